using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OrProject.Admin.Security;
using OrProject.Contracts.Events;

namespace OrProject.Admin.Settings;

public sealed record SettingsBody(string? SystemPrompt, string? DefaultModel, Dictionary<string, string>? ModelAliases, string? ToolMode);

/// <summary>Live settings and the price table through the admin API; the rules are in <see cref="SettingsCommands"/>.</summary>
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
        var s = await SettingsCommands.LoadAsync(session, ct);
        return TypedResults.Ok(new SettingsBody(s.SystemPrompt, s.DefaultModel, s.ModelAliases, s.ToolMode));
    }

    private static async Task<Results<Ok<SettingsBody>, BadRequest<AdminError>>> PutSettingsAsync(SettingsBody body,
        SettingsCommands commands, CancellationToken ct)
    {
        var result = await commands.SaveSettingsAsync(body, AdminApiGate.Actor, ct);
        return result.Succeeded ? TypedResults.Ok(result.Value!) : TypedResults.BadRequest(AdminError.Invalid(result.Error!));
    }

    private static async Task<Ok<ModelPrice[]>> GetPricesAsync(IQuerySession session, CancellationToken ct) =>
        TypedResults.Ok((await SettingsCommands.LoadAsync(session, ct)).PriceTable().ToArray());

    private static async Task<Results<Ok<ModelPrice[]>, BadRequest<AdminError>>> PutPricesAsync(ModelPrice[] prices,
        SettingsCommands commands, CancellationToken ct)
    {
        var result = await commands.SavePricesAsync(prices, AdminApiGate.Actor, ct);
        return result.Succeeded ? TypedResults.Ok(result.Value!) : TypedResults.BadRequest(AdminError.Invalid(result.Error!));
    }
}
