namespace OrProject.Contracts.Events;

public sealed record SettingsChanged(
    string? SystemPrompt,
    string? DefaultModel,
    IReadOnlyDictionary<string, string> ModelAliases,
    string ToolMode,
    string Actor,
    DateTimeOffset At);

public sealed record ModelPrice(
    string Id,
    decimal InputUsdPerMTok,
    decimal OutputUsdPerMTok,
    decimal CacheWriteUsdPerMTok,
    decimal CacheReadUsdPerMTok);

public sealed record PriceTableChanged(IReadOnlyList<ModelPrice> Models, string Actor, DateTimeOffset At);
