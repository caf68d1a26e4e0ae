using Marten;
using OrProject.Projections.Keys;
using OrProject.Projections.Usage;

namespace OrProject.Admin.Usage;

/// <summary>One row of a usage breakdown; <see cref="Detail"/> is a second, finer name (a key's id).</summary>
public sealed record UsageLine(string Label, long Requests, long InputTokens, long OutputTokens, decimal CostUsd, string? Detail = null);

/// <summary>All keys' usage over the last days, by day, by model and by key, from the daily usage view.</summary>
internal sealed record UsageReport(DateOnly From, DateOnly To, IReadOnlyList<UsageLine> ByDay, IReadOnlyList<UsageLine> ByModel,
    IReadOnlyList<UsageLine> ByKey, IReadOnlyList<(DateOnly Day, decimal CostUsd)> DailyCost)
{
    public static async Task<UsageReport> LoadAsync(IQuerySession session, DateOnly from, DateOnly to, CancellationToken ct)
    {
        var rows = await session.Query<DailyUsage>().Where(d => d.Day >= from).ToListAsync(ct);
        var names = (await session.Query<KeyLedger>().Select(k => new { k.Id, k.Name }).ToListAsync(ct)).ToDictionary(k => k.Id, k => k.Name);
        var daily = DaySeries.Fill(rows.Select(r => (r.Day, r.CostUsd)), from, to);
        return new UsageReport(from, to,
            Lines(rows, r => r.Day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)).OrderBy(l => l.Label, StringComparer.Ordinal).ToList(),
            Lines(rows, r => r.Model).OrderByDescending(l => l.CostUsd).ToList(),
            Lines(rows, r => r.KeyId).Select(l => l with { Label = names.GetValueOrDefault(l.Label) ?? l.Label, Detail = l.Label })
                .OrderByDescending(l => l.CostUsd).ToList(),
            daily);
    }

    private static IEnumerable<UsageLine> Lines(IEnumerable<DailyUsage> rows, Func<DailyUsage, string> by) =>
        rows.GroupBy(by).Select(g => new UsageLine(g.Key, g.Sum(r => r.Requests), g.Sum(r => r.InputTokens), g.Sum(r => r.OutputTokens), g.Sum(r => r.CostUsd)));
}
