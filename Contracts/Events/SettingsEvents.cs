namespace OrProject.Contracts.Events;

public sealed record SettingsChanged(
    string? SystemPrompt,
    string? DefaultModel,
    IReadOnlyDictionary<string, string> ModelAliases,
    string ToolMode,
    string Actor,
    DateTimeOffset At);

/// <summary>
/// One row of the model table: prices (tokens in USD per million, web searches in USD per thousand requests) and the
/// model's limits (output tokens a request may ask for, context window in tokens).
/// <see cref="CacheWrite1hUsdPerMTok"/>, <see cref="WebSearchUsdPerThousand"/> and the limits came later: tables
/// already stored in <see cref="PriceTableChanged"/> events lack them, so they are optional, and null means the
/// default that <see cref="Pricing.PriceCatalog"/> and <see cref="Pricing.ModelLimits"/> derive (2× input; $10 per
/// thousand searches; the limits Claude's model id implies, none for a model the gateway cannot place).
/// <see cref="LongPromptAboveTokens"/> prices a model billed in two bands by the length of the prompt (input, cache
/// writes and cache reads together): a request whose prompt is longer pays its input-side rates times
/// <see cref="LongPromptInputFactor"/> and its output times <see cref="LongPromptOutputFactor"/> (a factor left out
/// is 1); left out, one band.
/// </summary>
public sealed record ModelPrice(
    string Id,
    decimal InputUsdPerMTok,
    decimal OutputUsdPerMTok,
    decimal CacheWriteUsdPerMTok,
    decimal CacheReadUsdPerMTok,
    decimal? CacheWrite1hUsdPerMTok = null,
    decimal? WebSearchUsdPerThousand = null,
    int? MaxOutputTokens = null,
    int? ContextWindow = null,
    long? LongPromptAboveTokens = null,
    decimal? LongPromptInputFactor = null,
    decimal? LongPromptOutputFactor = null);

public sealed record PriceTableChanged(IReadOnlyList<ModelPrice> Models, string Actor, DateTimeOffset At);
