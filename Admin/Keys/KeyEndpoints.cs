using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using OrProject.Admin.Security;
using OrProject.Contracts.Events;
using OrProject.Projections.Keys;

namespace OrProject.Admin.Keys;

/// <summary>Key lifecycle through the admin API; every change is an event naming the admin actor.</summary>
internal static class KeyEndpoints
{
    public static RouteGroupBuilder MapKeys(this RouteGroupBuilder admin)
    {
        var keys = admin.MapGroup("/keys").WithTags("Keys");
        keys.MapPost("/", IssueAsync);
        keys.MapGet("/", ListAsync);
        keys.MapGet("/{id}", GetAsync);
        keys.MapPost("/{id}/disable", (string id, IDocumentSession s, KeyLedgerCache l, TimeProvider c, CancellationToken ct) =>
            ChangeAsync(id, s, l, _ => new KeyDisabled(id, AdminTokenFilter.Actor, c.GetUtcNow()), ct));
        keys.MapPost("/{id}/enable", (string id, IDocumentSession s, KeyLedgerCache l, TimeProvider c, CancellationToken ct) =>
            ChangeAsync(id, s, l, _ => new KeyEnabled(id, AdminTokenFilter.Actor, c.GetUtcNow()), ct));
        keys.MapPut("/{id}/budget", ChangeBudgetAsync);
        return admin;
    }

    private static async Task<Results<Created<IssuedKeyResponse>, BadRequest<AdminError>>> IssueAsync(
        IssueKeyRequest request, IDocumentSession session, IConfiguration configuration, TimeProvider clock, CancellationToken ct)
    {
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            return TypedResults.BadRequest(AdminError.Invalid("name: a name of 1 to 200 characters is required"));
        }

        if (request.BudgetUsd is not { } budget || budget < 0)
        {
            return TypedResults.BadRequest(AdminError.Invalid("budgetUsd: a budget of 0 or more USD is required"));
        }

        var prefix = configuration["Keys:Prefix"] is { Length: > 0 } p ? p : "sk-orp-";
        var key = ApiKeys.Generate(prefix);
        var id = ApiKeys.NewKeyId();
        var issued = new KeyIssued(id, name, ApiKeys.Hash(key), ApiKeys.Display(key, prefix), budget, AdminTokenFilter.Actor, clock.GetUtcNow());
        session.Events.StartStream<KeyLedger>(id, issued);
        await session.SaveChangesAsync(ct);
        return TypedResults.Created($"/admin/api/keys/{id}",
            new IssuedKeyResponse(id, name, key, issued.Prefix, budget, 0m, false, issued.At));
    }

    private static async Task<Ok<KeyResponse[]>> ListAsync(IQuerySession session, CancellationToken ct)
    {
        var keys = await session.Query<KeyLedger>().OrderBy(k => k.CreatedAt).ToListAsync(ct);
        return TypedResults.Ok(keys.Select(KeyResponse.From).ToArray());
    }

    private static async Task<Results<Ok<KeyResponse>, NotFound<AdminError>>> GetAsync(string id, IQuerySession session, CancellationToken ct) =>
        await session.LoadAsync<KeyLedger>(id, ct) is { } key
            ? TypedResults.Ok(KeyResponse.From(key))
            : TypedResults.NotFound(AdminError.NotFound($"No key {id}."));

    private static async Task<Results<Ok<KeyResponse>, NotFound<AdminError>, BadRequest<AdminError>>> ChangeBudgetAsync(
        string id, ChangeBudgetRequest request, IDocumentSession session, KeyLedgerCache ledgers, TimeProvider clock, CancellationToken ct)
    {
        if (request.BudgetUsd is not { } budget || budget < 0)
        {
            return TypedResults.BadRequest(AdminError.Invalid("budgetUsd: a budget of 0 or more USD is required"));
        }

        var result = await ChangeAsync(id, session, ledgers, k => new BudgetChanged(id, k.BudgetUsd, budget, AdminTokenFilter.Actor, clock.GetUtcNow()), ct);
        return result.Result switch
        {
            Ok<KeyResponse> ok => ok,
            NotFound<AdminError> notFound => notFound,
            _ => throw new InvalidOperationException("Unexpected result."),
        };
    }

    /// <summary>
    /// Appends one admin event to a key stream under the stream's row lock: usage from workers is appended to the
    /// same stream concurrently, and a blind append could collide with it. Admission on this instance sees the change
    /// at once; on other instances within <see cref="KeyLedgerCache.Freshness"/>.
    /// </summary>
    private static async Task<Results<Ok<KeyResponse>, NotFound<AdminError>>> ChangeAsync(string id, IDocumentSession session,
        KeyLedgerCache ledgers, Func<KeyLedger, object> change, CancellationToken ct)
    {
        var stream = await session.Events.FetchForExclusiveWriting<KeyLedger>(id, ct);
        if (stream.Aggregate is not { } key)
        {
            return TypedResults.NotFound(AdminError.NotFound($"No key {id}."));
        }

        stream.AppendOne(change(key));
        await session.SaveChangesAsync(ct);
        ledgers.Forget(id);
        var updated = await session.LoadAsync<KeyLedger>(id, ct);
        return TypedResults.Ok(KeyResponse.From(updated!));
    }
}
