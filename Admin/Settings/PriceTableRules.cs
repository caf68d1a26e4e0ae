using System.Globalization;
using OrProject.Contracts.Events;

namespace OrProject.Admin.Settings;

/// <summary>
/// What a price table must satisfy before it is stored, for the JSON API and the panel alike: an id per model, unique
/// ids, and no negative price (a negative price would pay the client). The two optional prices may be absent (the
/// catalog's defaults apply) but, when given, are held to the same rule; so are the limits (at least one token, and
/// no more output than the context holds) and a long-prompt band (a threshold of at least one token for its factors).
/// </summary>
internal static class PriceTableRules
{
    /// <summary>The first rule broken, in words an admin can act on; null when the table is valid.</summary>
    public static string? Check(IReadOnlyList<ModelPrice> prices)
    {
        foreach (var p in prices)
        {
            if (p is null || string.IsNullOrWhiteSpace(p.Id))
            {
                return "every model needs an id";
            }

            var negative = Negative(p);
            if (negative is not null)
            {
                return $"{p.Id}: {negative}; prices must be 0 or more";
            }

            if (p.MaxOutputTokens is < 1 || p.ContextWindow is < 1)
            {
                return $"{p.Id}: maxOutputTokens and contextWindow must be 1 or more when given (leave them out for the defaults)";
            }

            if (p.MaxOutputTokens > p.ContextWindow)
            {
                return $"{p.Id}: maxOutputTokens ({p.MaxOutputTokens}) cannot exceed contextWindow ({p.ContextWindow})";
            }

            if (LongPrompt(p) is { } band)
            {
                return $"{p.Id}: {band}";
            }
        }

        return prices.GroupBy(p => p.Id, StringComparer.OrdinalIgnoreCase).Any(g => g.Count() > 1)
            ? "model ids must be unique"
            : null;
    }

    /// <summary>A long-prompt band needs its threshold, at least one token, and factors of 0 or more.</summary>
    private static string? LongPrompt(ModelPrice p) =>
        p.LongPromptAboveTokens is null && (p.LongPromptInputFactor is not null || p.LongPromptOutputFactor is not null)
            ? "longPromptInputFactor and longPromptOutputFactor need longPromptAboveTokens (the prompt length above which they apply)"
        : p.LongPromptAboveTokens is < 1 ? "longPromptAboveTokens must be 1 or more when given"
        : p.LongPromptInputFactor is < 0 || p.LongPromptOutputFactor is < 0 ? "the long-prompt factors must be 0 or more"
        : null;

    private static string? Negative(ModelPrice p) =>
        Describe(p.InputUsdPerMTok, "inputUsdPerMTok (input)")
        ?? Describe(p.OutputUsdPerMTok, "outputUsdPerMTok (output)")
        ?? Describe(p.CacheWriteUsdPerMTok, "cacheWriteUsdPerMTok (cache write 5m)")
        ?? Describe(p.CacheWrite1hUsdPerMTok, "cacheWrite1hUsdPerMTok (cache write 1h)")
        ?? Describe(p.CacheReadUsdPerMTok, "cacheReadUsdPerMTok (cache read)")
        ?? Describe(p.WebSearchUsdPerThousand, "webSearchUsdPerThousand (web search)");

    private static string? Describe(decimal? price, string field) =>
        price is { } value && value < 0 ? $"{field} is {value.ToString(CultureInfo.InvariantCulture)}" : null;
}
