using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OrProject.Admin.Security;
using OrProject.Contracts.Events;
using OrProject.Projections.Settings;

namespace OrProject.Admin.Settings;

public sealed record SettingsBody(string? SystemPrompt, string? DefaultModel, Dictionary<string, string>? ModelAliases, string? ToolMode);

/// <summary>
/// Live settings and the price table, both events on the single settings stream. Every instance re-reads them
/// within a second, so a change takes effect without a restart.
/// </summary>
internal static class SettingsEndpoints
{
    public static RouteGroupBuilder MapSettings(this RouteGroupBuilder admin)
    {
        admin.MapGet("/settings", GetSettingsAsync).WithTags("Settings");
        admin.MapPut("/settings", PutSettingsAsync).WithTags("Settings");
        admin.MapGet("/models", GetPricesAsync).WithTags("Settings");
        admin.MapPut("/models", PutPricesAsync).WithTags("Settings");
        return admin;
    }

    private static async Task<Ok<SettingsBody>> GetSettingsAsync(IQuerySession session, CancellationToken ct)
    {
        var s = await LoadAsync(session, ct);
        return TypedResults.Ok(new SettingsBody(s.SystemPrompt, s.DefaultModel, s.ModelAliases, s.ToolMode));
    }

    private static async Task<Results<Ok<SettingsBody>, BadRequest<AdminError>>> PutSettingsAsync(SettingsBody body,
        IDocumentSession session, SettingsReader reader, TimeProvider clock, CancellationToken ct)
    {
        var toolMode = body.ToolMode ?? "native";
        if (toolMode is not ("native" or "flatten"))
        {
            return TypedResults.BadRequest(AdminError.Invalid("toolMode: must be \"native\" or \"flatten\""));
        }

        var aliases = body.ModelAliases ?? [];
        if (aliases.Any(a => string.IsNullOrWhiteSpace(a.Key) || string.IsNullOrWhiteSpace(a.Value)))
        {
            return TypedResults.BadRequest(AdminError.Invalid("modelAliases: names and targets must be non-empty"));
        }

        await AppendAsync(session, new SettingsChanged(Blank(body.SystemPrompt), Blank(body.DefaultModel), aliases, toolMode,
            AdminTokenFilter.Actor, clock.GetUtcNow()), ct);
        reader.Invalidate();
        return TypedResults.Ok(body with { ToolMode = toolMode, ModelAliases = aliases });
    }

    private static async Task<Ok<ModelPrice[]>> GetPricesAsync(IQuerySession session, CancellationToken ct) =>
        TypedResults.Ok((await LoadAsync(session, ct)).Prices.ToArray());

    private static async Task<Results<Ok<ModelPrice[]>, BadRequest<AdminError>>> PutPricesAsync(ModelPrice[] prices,
        IDocumentSession session, SettingsReader reader, TimeProvider clock, CancellationToken ct)
    {
        if (prices.Any(p => string.IsNullOrWhiteSpace(p.Id) || p.InputUsdPerMTok < 0 || p.OutputUsdPerMTok < 0 ||
                            p.CacheWriteUsdPerMTok < 0 || p.CacheReadUsdPerMTok < 0))
        {
            return TypedResults.BadRequest(AdminError.Invalid("every model needs an id and prices of 0 or more"));
        }

        if (prices.GroupBy(p => p.Id, StringComparer.OrdinalIgnoreCase).Any(g => g.Count() > 1))
        {
            return TypedResults.BadRequest(AdminError.Invalid("model ids must be unique"));
        }

        await AppendAsync(session, new PriceTableChanged(prices, AdminTokenFilter.Actor, clock.GetUtcNow()), ct);
        reader.Invalidate();
        return TypedResults.Ok(prices);
    }

    private static async Task<GatewaySettings> LoadAsync(IQuerySession session, CancellationToken ct) =>
        await session.LoadAsync<GatewaySettings>(GatewaySettings.StreamId, ct) ?? new GatewaySettings();

    /// <summary>The settings stream is written by admins only; the row lock orders two admins saving at once.</summary>
    private static async Task AppendAsync(IDocumentSession session, object change, CancellationToken ct)
    {
        var stream = await session.Events.FetchForExclusiveWriting<GatewaySettings>(GatewaySettings.StreamId, ct);
        stream.AppendOne(change);
        await session.SaveChangesAsync(ct);
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
