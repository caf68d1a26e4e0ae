using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OrProject.Admin.Security;
using OrProject.Projections.Keys;

namespace OrProject.Admin.Keys;

/// <summary>Key lifecycle through the admin API; the rules are in <see cref="KeyCommands"/>.</summary>
internal static class KeyEndpoints
{
    public static RouteGroupBuilder MapKeys(this RouteGroupBuilder admin)
    {
        var keys = admin.MapGroup("/keys").WithTags("Keys");
        keys.MapPost("/", IssueAsync);
        keys.MapGet("/", ListAsync);
        keys.MapGet("/{id}", GetAsync);
        keys.MapPost("/{id}/disable", async (string id, KeyCommands commands, IQuerySession session, TimeProvider clock, CancellationToken ct) =>
            await RespondAsync(await commands.SetDisabledAsync(id, true, AdminApiGate.Actor, ct), session, clock, ct));
        keys.MapPost("/{id}/enable", async (string id, KeyCommands commands, IQuerySession session, TimeProvider clock, CancellationToken ct) =>
            await RespondAsync(await commands.SetDisabledAsync(id, false, AdminApiGate.Actor, ct), session, clock, ct));
        keys.MapPut("/{id}/budget", async (string id, ChangeBudgetRequest request, KeyCommands commands, IQuerySession session, TimeProvider clock, CancellationToken ct) =>
            await RespondAsync(await commands.ChangeBudgetAsync(id, request.BudgetUsd, AdminApiGate.Actor, ct), session, clock, ct));
        keys.MapPut("/{id}/limits", async (string id, ChangeLimitsRequest request, KeyCommands commands, IQuerySession session, TimeProvider clock, CancellationToken ct) =>
            await RespondAsync(await commands.ChangeLimitsAsync(id, request, AdminApiGate.Actor, ct), session, clock, ct));
        return admin;
    }

    private static async Task<Results<Ok<KeyResponse>, NotFound<AdminError>, BadRequest<AdminError>>> RespondAsync(
        AdminResult<KeyLedger> result, IQuerySession session, TimeProvider clock, CancellationToken ct)
    {
        var reserved = result.Value is { } key ? await BudgetHoldQueries.ReservedAsync(session, key.Id, ct) : 0m;
        return result.ToHttp(k => KeyResponse.From(k, reserved, clock.GetUtcNow()));
    }

    private static async Task<Results<Created<IssuedKeyResponse>, BadRequest<AdminError>>> IssueAsync(
        IssueKeyRequest request, KeyCommands commands, CancellationToken ct)
    {
        var result = await commands.IssueAsync(request, AdminApiGate.Actor, ct);
        return result.Succeeded
            ? TypedResults.Created($"/admin/api/keys/{result.Value!.Id}", result.Value)
            : TypedResults.BadRequest(AdminError.Invalid(result.Error!));
    }

    private static async Task<Ok<KeyResponse[]>> ListAsync(IQuerySession session, TimeProvider clock, CancellationToken ct)
    {
        var keys = await session.Query<KeyLedger>().OrderBy(k => k.CreatedAt).ToListAsync(ct);
        var reserved = await BudgetHoldQueries.ReservedByKeyAsync(session, ct);
        var now = clock.GetUtcNow();
        return TypedResults.Ok(keys.Select(k => KeyResponse.From(k, reserved.GetValueOrDefault(k.Id), now)).ToArray());
    }

    private static async Task<Results<Ok<KeyResponse>, NotFound<AdminError>>> GetAsync(string id, IQuerySession session, TimeProvider clock,
        CancellationToken ct) =>
        await session.LoadAsync<KeyLedger>(id, ct) is { } key
            ? TypedResults.Ok(KeyResponse.From(key, await BudgetHoldQueries.ReservedAsync(session, key.Id, ct), clock.GetUtcNow()))
            : TypedResults.NotFound(AdminError.NotFound($"No key {id}."));
}
