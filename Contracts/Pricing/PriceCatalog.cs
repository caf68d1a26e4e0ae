using OrProject.Contracts.Events;
using OrProject.Contracts.Messaging;

namespace OrProject.Contracts.Pricing;

/// <summary>
/// The built-in model catalog and its prices (USD per million tokens, per thousand web searches), used until an admin
/// replaces it; and the arithmetic of a request's cost.
/// </summary>
public static class PriceCatalog
{
    private const decimal OneHourWriteFactor = 2m;
    private const decimal DefaultWebSearchUsdPerThousand = 10m;

    /// <summary>
    /// Anthropic's list prices for the models its API serves, then for older ones still served elsewhere, as its
    /// pricing page gave them in November 2026 (docs/model-table.md). Within a family the newest model comes first: a
    /// <c>claude-*</c> name the table does not list is priced as that model (<see cref="Find"/>).
    /// </summary>
    public static IReadOnlyList<ModelPrice> Default { get; } =
    [
        // Cache hits at $0.25, a fortieth of input, where other models pay a tenth.
        Price("claude-fable-5-1", 10m, 50m, cacheRead: 0.25m),
        Price("claude-fable-5", 10m, 50m),
        Price("claude-mythos-5-1", 10m, 50m, cacheRead: 0.25m),
        Price("claude-mythos-5", 10m, 50m),
        Price("claude-opus-5-5", 4m, 20m, cacheRead: 0.20m),
        Price("claude-opus-5", 5m, 25m),
        Price("claude-opus-4-8", 5m, 25m),
        Price("claude-opus-4-7", 5m, 25m),
        Price("claude-opus-4-6", 5m, 25m),
        Price("claude-opus-4-5", 5m, 25m),
        // Cache hits cut from $0.20 to $0.10 on 2026-10-07.
        Price("claude-sonnet-5-5", 2m, 10m, cacheRead: 0.10m),
        Price("claude-sonnet-5", 2m, 10m),
        Price("claude-sonnet-4-6", 3m, 15m),
        LongContextBeta(Price("claude-sonnet-4-5", 3m, 15m)),
        // Two bands by prompt length: every rate five times over above 100,000 tokens.
        Price("claude-haiku-5-5", 0.10m, 0.50m) with { LongPromptAboveTokens = 100_000, LongPromptInputFactor = 5m, LongPromptOutputFactor = 5m },
        Price("claude-haiku-4-5", 1m, 5m),

        // Retired from Anthropic's own API but still served elsewhere (Bedrock, Google Cloud) and so by endpoints that
        // front them: listed, or the family fallback would price them as their family's newest model, far below what
        // they bill.
        Price("claude-opus-4-1", 15m, 75m),
        Price("claude-opus-4-0", 15m, 75m),
        Price("claude-opus-4-20250514", 15m, 75m),
        LongContextBeta(Price("claude-sonnet-4-0", 3m, 15m)),
        LongContextBeta(Price("claude-sonnet-4-20250514", 3m, 15m)),
        Price("claude-3-7-sonnet", 3m, 15m),
        Price("claude-3-5-haiku", 0.80m, 4m),
    ];

    /// <summary>
    /// Sonnet 4 and 4.5 reach a million tokens only with the long-context beta, which bills a prompt over 200,000 tokens
    /// at twice the input-side rates and one and a half times the output rate.
    /// </summary>
    private static ModelPrice LongContextBeta(ModelPrice price) =>
        price with { LongPromptAboveTokens = 200_000, LongPromptInputFactor = 2m, LongPromptOutputFactor = 1.5m };

    /// <summary>
    /// As Anthropic prices them: 5-minute cache writes cost 1.25× input, 1-hour writes 2× input, cache reads 0.1× input,
    /// web searches $10 per thousand.
    /// </summary>
    /// <param name="id">The model id.</param>
    /// <param name="input">USD per million input tokens.</param>
    /// <param name="output">USD per million output tokens.</param>
    /// <param name="cacheRead">USD per million cache-read tokens, for a model that does not charge a tenth of input.</param>
    public static ModelPrice Price(string id, decimal input, decimal output, decimal? cacheRead = null) =>
        new(id, input, output, input * 1.25m, cacheRead ?? input * 0.1m, input * OneHourWriteFactor, DefaultWebSearchUsdPerThousand);

    /// <summary>The 1-hour cache write price; a price entry stored before it existed pays 2× its input price.</summary>
    public static decimal CacheWrite1hUsdPerMTok(ModelPrice price) =>
        price.CacheWrite1hUsdPerMTok ?? price.InputUsdPerMTok * OneHourWriteFactor;

    /// <summary>
    /// The price of a thousand web searches; a price entry stored before it existed pays Anthropic's $10, whatever the
    /// model: only Anthropic's usage shape reports searches, and an upstream that reports them bills them.
    /// </summary>
    public static decimal WebSearchUsdPerThousand(ModelPrice price) =>
        price.WebSearchUsdPerThousand ?? DefaultWebSearchUsdPerThousand;

    /// <summary>
    /// The dearest price an input token can have (plain, 5-minute or 1-hour cache write, or a cache read that an admin
    /// priced above them), for holding budget before the upstream says how the input was split.
    /// </summary>
    public static decimal InputCeilingUsdPerMTok(ModelPrice price) =>
        Math.Max(Math.Max(price.InputUsdPerMTok, price.CacheReadUsdPerMTok), Math.Max(price.CacheWriteUsdPerMTok, CacheWrite1hUsdPerMTok(price)));

    /// <summary>
    /// Exact cost of a request in USD; decimal all the way, never floating point. <paramref name="cacheWrite"/> is
    /// every cache write and <paramref name="cacheWrite1h"/> the 1-hour share of it; a share larger than the total
    /// (Anthropic never reports one) is charged whole at the 1-hour price rather than dropped.
    /// </summary>
    public static decimal Cost(ModelPrice price, long input, long output, long cacheWrite, long cacheRead,
        long cacheWrite1h = 0, long webSearches = 0)
    {
        var cacheWrite5m = Math.Max(0, cacheWrite - cacheWrite1h);
        var (inputFactor, outputFactor) = Band(price, input + cacheWrite + cacheRead);
        var inputSide = (input * price.InputUsdPerMTok) + (cacheWrite5m * price.CacheWriteUsdPerMTok) +
                        (cacheWrite1h * CacheWrite1hUsdPerMTok(price)) + (cacheRead * price.CacheReadUsdPerMTok);
        var tokens = (inputSide * inputFactor) + (output * price.OutputUsdPerMTok * outputFactor);
        return (tokens / 1_000_000m) + (webSearches * WebSearchUsdPerThousand(price) / 1_000m);
    }

    /// <summary>
    /// What a prompt of <paramref name="promptTokens"/> (input, cache writes and cache reads) multiplies the input-side
    /// and output rates by: the long-prompt factors when the row has a band and the prompt is longer, else 1 and 1.
    /// </summary>
    public static (decimal Input, decimal Output) Band(ModelPrice price, long promptTokens) =>
        price.LongPromptAboveTokens is { } above && promptTokens > above
            ? (price.LongPromptInputFactor ?? 1m, price.LongPromptOutputFactor ?? 1m)
            : (1m, 1m);

    /// <summary>Exact cost in USD of the usage an upstream reported.</summary>
    public static decimal Cost(ModelPrice price, TokenUsage usage) =>
        Cost(price, usage.InputTokens, usage.OutputTokens, usage.CacheCreationInputTokens, usage.CacheReadInputTokens,
            usage.CacheCreation1hInputTokens, usage.WebSearchRequests);

    /// <summary>
    /// The price entry for a served model: an exact id, else the longest catalog id the served name starts with
    /// (upstreams answer with dated names such as <c>claude-sonnet-4-5-20250929</c>), else, for a <c>claude-*</c>
    /// name newer than the catalog (Claude Code sends those), the first entry of the same family (fable, mythos,
    /// opus, sonnet, haiku) — so a new model is never served free — else null.
    /// </summary>
    public static ModelPrice? Find(IReadOnlyList<ModelPrice> table, string model)
    {
        // Google Cloud dates its names with an @ (claude-opus-4@20250514); Anthropic with a hyphen.
        var name = model.Replace('@', '-');
        ModelPrice? best = null;
        foreach (var entry in table)
        {
            if (string.Equals(entry.Id, name, StringComparison.OrdinalIgnoreCase))
            {
                return entry;
            }

            if (name.StartsWith(entry.Id, StringComparison.OrdinalIgnoreCase) && NoNewVersion(name, entry.Id.Length) &&
                (best is null || entry.Id.Length > best.Id.Length))
            {
                best = entry;
            }
        }

        return best ?? Family(table, name);
    }

    /// <summary>
    /// Whether <paramref name="name"/> goes on past a listed id (its first <paramref name="at"/> characters) with a date
    /// or a tag (<c>-20250929</c>, <c>-latest</c>) rather than a version of its own: <c>claude-opus-5-6</c> is not
    /// <c>claude-opus-5</c> and <c>claude-opus-4-10</c> is not <c>claude-opus-4-1</c>; those take their family's price.
    /// </summary>
    private static bool NoNewVersion(string name, int at)
    {
        if (name[at] != '-')
        {
            return false;
        }

        var digits = 0;
        while (at + 1 + digits < name.Length && char.IsAsciiDigit(name[at + 1 + digits]))
        {
            digits++;
        }

        return digits is 0 or > 2;
    }

    private static ModelPrice? Family(IReadOnlyList<ModelPrice> table, string model)
    {
        if (!model.StartsWith("claude-", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        foreach (var family in (ReadOnlySpan<string>)["fable", "mythos", "opus", "sonnet", "haiku"])
        {
            if (model.Contains(family, StringComparison.OrdinalIgnoreCase))
            {
                return table.FirstOrDefault(p => p.Id.Contains(family, StringComparison.OrdinalIgnoreCase));
            }
        }

        return null;
    }
}
