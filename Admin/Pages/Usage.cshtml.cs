using Marten;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using OrProject.Admin.Keys;
using OrProject.Admin.Security;
using OrProject.Admin.Usage;
using OrProject.Contracts.Events;
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

    /// <summary>The chart's days that begin a budget period (every day for a daily budget, the 1st for a monthly one).</summary>
    public IReadOnlyList<int> PeriodStarts { get; private set; } = [];

    private static bool StartsPeriod(string period, DateOnly day) =>
        period == BudgetPeriods.Daily || (period == BudgetPeriods.Monthly && day.Day == 1);

    /// <summary>"total", or "monthly, since 2026-11-01 (UTC)".</summary>
    public static string PeriodText(UsageMeResponse me) => me.BudgetPeriod == BudgetPeriods.Total
        ? "total (never renews)"
        : $"{me.BudgetPeriod}, since {me.PeriodStart.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)} (UTC)";

    /// <summary>The key's expiry has passed: the edge refuses it, and the page says so.</summary>
    public bool Expired { get; private set; }

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

        var now = clock.GetUtcNow();
        Me = UsageMeResponse.From(ledger, await BudgetHoldQueries.ReservedAsync(session, ledger.Id, ct), now);
        Expired = ledger.IsExpired(now);
        Usage = await KeyUsageQuery.ForKeyAsync(session, ledger, ct);
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        Days = DaySeries.Fill(Usage.ByDay.Select(d => (d.Day, d.CostUsd)), DaySeries.KeyHolderStart(Usage.ByDay.Select(d => d.Day), today), today);
        PeriodStarts = [.. Days.Select((d, i) => (d.Day, i)).Where(d => StartsPeriod(ledger.BudgetPeriod, d.Day)).Select(d => d.i)];
        ViewData["Charts"] = true;
    }
}
