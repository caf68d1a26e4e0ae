namespace OrProject.Contracts.Events;

public sealed record SettingsChanged(
    string? SystemPrompt,
    string? DefaultModel,
    IReadOnlyDictionary<string, string> ModelAliases,
    string ToolMode,
    string Actor,
    DateTimeOffset At);

/// <summary>
/// One model's prices: tokens in USD per million, web searches in USD per thousand requests.
/// <see cref="CacheWrite1hUsdPerMTok"/> and <see cref="WebSearchUsdPerThousand"/> came later: price tables already
/// stored in <see cref="PriceTableChanged"/> events lack them, so they are optional, and null means the default
/// that <see cref="Pricing.PriceCatalog"/> derives (2× input; $10 per thousand searches).
/// </summary>
public sealed record ModelPrice(
    string Id,
    decimal InputUsdPerMTok,
    decimal OutputUsdPerMTok,
    decimal CacheWriteUsdPerMTok,
    decimal CacheReadUsdPerMTok,
    decimal? CacheWrite1hUsdPerMTok = null,
    decimal? WebSearchUsdPerThousand = null);

public sealed record PriceTableChanged(IReadOnlyList<ModelPrice> Models, string Actor, DateTimeOffset At);
