using OrProject.Contracts.Events;
using OrProject.Contracts.Pricing;

namespace OrProject.Projections.Settings;

/// <summary>
/// The live settings of the gateway, projected inline from the single settings stream: system prompt, default
/// model, aliases, tool mode and the price table. Every Api and Worker instance re-reads it within a second.
/// </summary>
public class GatewaySettings
{
    public const string StreamId = "settings";

    public string Id { get; set; } = StreamId;

    public string? SystemPrompt { get; set; }

    public string? DefaultModel { get; set; }

    public Dictionary<string, string> ModelAliases { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary><c>native</c> (tools go to the upstream as tools) or <c>flatten</c> (rendered into text).</summary>
    public string ToolMode { get; set; } = "native";

    /// <summary>
    /// The price table an admin saved (the last <see cref="PriceTableChanged"/>); null until one is, and then the
    /// running release's built-in table applies (<see cref="PriceTable"/>). Not a copy of that table: a view written
    /// before a release corrected its prices, or rebuilt after, would otherwise price differently from the same events.
    /// </summary>
    public List<ModelPrice>? Prices { get; set; }

    public long Version { get; set; }

    /// <summary>The price table in use: the one an admin saved, else the built-in one.</summary>
    public IReadOnlyList<ModelPrice> PriceTable() => Prices ?? PriceCatalog.Default;

    public void Apply(SettingsChanged e)
    {
        SystemPrompt = e.SystemPrompt;
        DefaultModel = e.DefaultModel;
        ModelAliases = new Dictionary<string, string>(e.ModelAliases, StringComparer.OrdinalIgnoreCase);
        ToolMode = e.ToolMode;
    }

    public void Apply(PriceTableChanged e) => Prices = [.. e.Models];
}
