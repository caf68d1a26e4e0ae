using Marten;
using OrProject.Admin.Usage;

namespace OrProject.Admin.Pages.Panel;

/// <summary><c>/admin/usage</c>: spend over the last days by day, by model and by key.</summary>
internal sealed class UsageModel(IQuerySession session, TimeProvider clock) : AdminPageModel
{
    public static IReadOnlyList<int> Windows { get; } = [7, 30, 90, 365];

    public int Days { get; private set; } = 30;

    public UsageReport Report { get; private set; } = null!;

    public async Task OnGetAsync(int? days, CancellationToken ct)
    {
        Days = days is { } d && Windows.Contains(d) ? d : 30;
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        Report = await UsageReport.LoadAsync(session, today.AddDays(1 - Days), today, ct);
        ViewData["Charts"] = true;
    }
}
