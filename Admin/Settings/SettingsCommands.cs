using Marten;
using OrProject.Contracts.Events;
using OrProject.Projections.Settings;
using OrProject.Projections.Rebuild;

namespace OrProject.Admin.Settings;

/// <summary>
/// Live settings and the price table, both events on the single settings stream, shared by the admin API and the
/// admin pages. Every instance re-reads them within a second, so a change takes effect without a restart.
/// </summary>
internal sealed class SettingsCommands(IDocumentSession session, SettingsReader reader, TimeProvider clock)
{
    public static async Task<GatewaySettings> LoadAsync(IQuerySession session, CancellationToken ct) =>
        await session.LoadAsync<GatewaySettings>(GatewaySettings.StreamId, ct) ?? new GatewaySettings();

    public async Task<AdminResult<SettingsBody>> SaveSettingsAsync(SettingsBody body, string actor, CancellationToken ct)
    {
        var toolMode = body.ToolMode ?? "native";
        if (toolMode is not ("native" or "flatten"))
        {
            return AdminResult<SettingsBody>.Invalid("toolMode: must be \"native\" or \"flatten\"");
        }

        var aliases = body.ModelAliases ?? [];
        if (aliases.Any(a => string.IsNullOrWhiteSpace(a.Key) || string.IsNullOrWhiteSpace(a.Value)))
        {
            return AdminResult<SettingsBody>.Invalid("modelAliases: names and targets must be non-empty");
        }

        await AppendAsync(new SettingsChanged(Blank(body.SystemPrompt), Blank(body.DefaultModel), aliases, toolMode, actor, clock.GetUtcNow()), ct);
        return AdminResult<SettingsBody>.Ok(body with { ToolMode = toolMode, ModelAliases = aliases });
    }

    public async Task<AdminResult<ModelPrice[]>> SavePricesAsync(ModelPrice[] prices, string actor, CancellationToken ct)
    {
        if (PriceTableRules.Check(prices) is { } broken)
        {
            return AdminResult<ModelPrice[]>.Invalid(broken);
        }

        await AppendAsync(new PriceTableChanged(prices, actor, clock.GetUtcNow()), ct);
        return AdminResult<ModelPrice[]>.Ok(prices);
    }

    /// <summary>The settings stream is written by admins only; the row lock orders two admins saving at once.</summary>
    private async Task AppendAsync(object change, CancellationToken ct)
    {
        await session.BeginAppendAsync(ct);
        var stream = await session.Events.FetchForExclusiveWriting<GatewaySettings>(GatewaySettings.StreamId, ct);
        stream.AppendOne(change);
        await session.SaveChangesAsync(ct);
        reader.Invalidate();
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
