using Marten;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using OrProject.Admin.Keys;
using OrProject.Admin.Security;
using OrProject.Admin.Usage;
using OrProject.Projections.Keys;

namespace OrProject.Admin.Pages;

/// <summary>
/// <c>/usage</c>: a key holder's own budget and spend. The key is posted, never put in a URL, and never written
/// back into the page (the field is always rendered empty); the answer is not cached.
/// </summary>
[EnableRateLimiting(ClientRateLimits.KeyLookup)]
internal sealed class UsageModel(IQuerySession session, TimeProvider clock) : PageModel
{
    public UsageMeResponse? Me { get; private set; }

    public KeyUsageResponse? Usage { get; private set; }

    /// <summary>Spend per day for the chart, every day of its range present.</summary>
    public IReadOnlyList<(DateOnly Day, decimal CostUsd)> Days { get; private set; } = [];

    public void OnGet()
    {
    }

    public async Task OnPostAsync(string? key, CancellationToken ct)
    {
        var ledger = await KeyUsageQuery.FindByKeyAsync(session, key ?? "", ct);
        if (ledger is null)
        {
            ViewData["Error"] = "No key matches. Check that you pasted the whole key.";
            return;
        }

        Me = UsageMeResponse.From(ledger, await BudgetHoldQueries.ReservedAsync(session, ledger.Id, ct));
        Usage = await KeyUsageQuery.ForKeyAsync(session, ledger, ct);
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        Days = DaySeries.Fill(Usage.ByDay.Select(d => (d.Day, d.CostUsd)), DaySeries.KeyHolderStart(Usage.ByDay.Select(d => d.Day), today), today);
        ViewData["Charts"] = true;
    }
}
