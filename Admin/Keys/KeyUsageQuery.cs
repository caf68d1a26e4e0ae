using Marten;
using OrProject.Projections.Keys;
using OrProject.Projections.Usage;

namespace OrProject.Admin.Keys;

/// <summary>
/// One key's usage: totals from the ledger (inline, exact), breakdowns by model and by day from the daily usage
/// view (async, a moment behind). The admin API, the admin pages and the key holder's page all read it here.
/// </summary>
internal static class KeyUsageQuery
{
    public static async Task<KeyUsageResponse> ForKeyAsync(IQuerySession session, KeyLedger key, CancellationToken ct)
    {
        var rows = await session.Query<DailyUsage>().Where(d => d.KeyId == key.Id).ToListAsync(ct);
        var byModel = rows.GroupBy(r => r.Model)
            .Select(g => new ModelUsage(g.Key, g.Sum(r => r.Requests), g.Sum(r => r.InputTokens), g.Sum(r => r.OutputTokens), g.Sum(r => r.CostUsd)))
            .OrderByDescending(m => m.CostUsd).ToArray();
        var byDay = rows.GroupBy(r => r.Day)
            .Select(g => new DayUsage(g.Key, g.Sum(r => r.Requests), g.Sum(r => r.CostUsd)))
            .OrderBy(d => d.Day).ToArray();
        return new KeyUsageResponse(key.SpentUsd, key.Requests, key.InputTokens, key.OutputTokens, byModel, byDay);
    }

    /// <summary>The ledger of the key a holder presents, found by its hash; null when no key matches.</summary>
    public static async Task<KeyLedger?> FindByKeyAsync(IQuerySession session, string key, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            return null;
        }

        var hash = ApiKeys.Hash(key.Trim());
        return await session.Query<KeyLedger>().FirstOrDefaultAsync(x => x.KeyHash == hash, ct);
    }
}
