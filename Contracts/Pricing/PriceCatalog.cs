using OrProject.Contracts.Events;

namespace OrProject.Contracts.Pricing;

/// <summary>The built-in model catalog and its prices (USD per million tokens), used until an admin replaces it.</summary>
public static class PriceCatalog
{
    public static IReadOnlyList<ModelPrice> Default { get; } =
    [
        Price("claude-opus-4-7", 15m, 75m),
        Price("claude-opus-4-6", 15m, 75m),
        Price("claude-opus-4-5", 15m, 75m),
        Price("claude-sonnet-4-6", 3m, 15m),
        Price("claude-sonnet-4-5", 3m, 15m),
        Price("claude-haiku-4-5", 0.80m, 4m),
    ];

    /// <summary>Cache writes cost 1.25× input and cache reads 0.1× input, as Anthropic prices them.</summary>
    public static ModelPrice Price(string id, decimal input, decimal output) =>
        new(id, input, output, input * 1.25m, input * 0.1m);

    /// <summary>Exact cost of a request in USD; decimal all the way, never floating point.</summary>
    public static decimal Cost(ModelPrice price, long input, long output, long cacheWrite, long cacheRead) =>
        ((input * price.InputUsdPerMTok) + (output * price.OutputUsdPerMTok) +
         (cacheWrite * price.CacheWriteUsdPerMTok) + (cacheRead * price.CacheReadUsdPerMTok)) / 1_000_000m;

    /// <summary>
    /// The price entry for a served model: an exact id, else the longest catalog id the served name starts with
    /// (upstreams answer with dated names such as <c>claude-sonnet-4-5-20250929</c>), else, for a <c>claude-*</c>
    /// name newer than the catalog (Claude Code sends those), the first entry of the same family (opus, sonnet,
    /// haiku) — so a new model is never served free — else null.
    /// </summary>
    public static ModelPrice? Find(IReadOnlyList<ModelPrice> table, string model)
    {
        ModelPrice? best = null;
        foreach (var entry in table)
        {
            if (string.Equals(entry.Id, model, StringComparison.OrdinalIgnoreCase))
            {
                return entry;
            }

            if (model.StartsWith(entry.Id, StringComparison.OrdinalIgnoreCase) && (best is null || entry.Id.Length > best.Id.Length))
            {
                best = entry;
            }
        }

        return best ?? Family(table, model);
    }

    private static ModelPrice? Family(IReadOnlyList<ModelPrice> table, string model)
    {
        if (!model.StartsWith("claude-", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        foreach (var family in (ReadOnlySpan<string>)["opus", "sonnet", "haiku"])
        {
            if (model.Contains(family, StringComparison.OrdinalIgnoreCase))
            {
                return table.FirstOrDefault(p => p.Id.Contains(family, StringComparison.OrdinalIgnoreCase));
            }
        }

        return null;
    }
}
