using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OrProject.Admin.Security;
using OrProject.Contracts.Events;
using OrProject.Projections.Accounts;

namespace OrProject.Admin.Accounts;

public sealed record AddAccountRequest(string? Name, string? Kind, string? BaseUrl, string? ApiKey, int? Weight, string[]? Models, int? MaxConcurrency);

public sealed record AccountCreated(string Id, string Name, string Kind, string BaseUrl, string Status, int Weight);

public sealed record AccountResponse(string Id, string Name, string Kind, string BaseUrl, string Status, int Weight, IReadOnlyList<string> Models,
    DateTimeOffset? CooldownUntil, long Requests, long Failures, string? LastError);

/// <summary>The upstream pool through the admin API. The credential goes in encrypted and never comes back out.</summary>
internal static class AccountEndpoints
{
    public static RouteGroupBuilder MapAccounts(this RouteGroupBuilder admin)
    {
        var accounts = admin.MapGroup("/accounts").WithTags("Accounts");
        accounts.MapPost("/", AddAsync);
        accounts.MapGet("/", ListAsync);
        accounts.MapPost("/{id}/disable", (string id, IDocumentSession s, TimeProvider c, CancellationToken ct) =>
            ChangeAsync(id, s, c, new AccountDisabled(id, "disabled by an admin", AdminTokenFilter.Actor, c.GetUtcNow()), ct));
        accounts.MapPost("/{id}/enable", (string id, IDocumentSession s, TimeProvider c, CancellationToken ct) =>
            ChangeAsync(id, s, c, new AccountEnabled(id, AdminTokenFilter.Actor, c.GetUtcNow()), ct));
        accounts.MapPost("/{id}/restore", (string id, IDocumentSession s, TimeProvider c, CancellationToken ct) =>
            ChangeAsync(id, s, c, new AccountRestored(id, AdminTokenFilter.Actor, c.GetUtcNow()), ct));
        return admin;
    }

    private static async Task<Results<Created<AccountCreated>, BadRequest<AdminError>>> AddAsync(AddAccountRequest request,
        IDocumentSession session, SecretProtector secrets, TimeProvider clock, CancellationToken ct)
    {
        var kind = request.Kind?.Trim().ToLowerInvariant() ?? "";
        if (string.IsNullOrWhiteSpace(request.Name) || !AccountKinds.IsKnown(kind))
        {
            return TypedResults.BadRequest(AdminError.Invalid("name and kind (anthropic, openai or simulator) are required"));
        }

        if (kind != AccountKinds.Simulator && (!Uri.TryCreate(request.BaseUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https")))
        {
            return TypedResults.BadRequest(AdminError.Invalid("baseUrl: an http(s) URL is required"));
        }

        if (request.Weight is < 1 or > 1000 || request.MaxConcurrency is < 0)
        {
            return TypedResults.BadRequest(AdminError.Invalid("weight must be 1 to 1000 and maxConcurrency 0 or more"));
        }

        var now = clock.GetUtcNow();
        var added = new AccountAdded("acct_" + Guid.CreateVersion7().ToString("N"), request.Name.Trim(), kind,
            request.BaseUrl?.Trim() ?? "builtin:simulator", secrets.Protect(request.ApiKey ?? ""), request.Weight ?? 1,
            request.Models ?? [], AdminTokenFilter.Actor, now, request.MaxConcurrency ?? 0);
        session.Events.StartStream<UpstreamAccount>(added.AccountId, added);
        await session.SaveChangesAsync(ct);
        return TypedResults.Created($"/admin/api/accounts/{added.AccountId}",
            new AccountCreated(added.AccountId, added.Name, kind, added.BaseUrl, AccountStatus.Active, added.Weight));
    }

    private static async Task<Ok<AccountResponse[]>> ListAsync(IQuerySession session, TimeProvider clock, CancellationToken ct)
    {
        var accounts = await session.Query<UpstreamAccount>().OrderBy(a => a.CreatedAt).ToListAsync(ct);
        var health = (await session.LoadManyAsync<AccountHealth>(ct, accounts.Select(a => a.Id))).ToDictionary(h => h.Id);
        var now = clock.GetUtcNow();
        return TypedResults.Ok(accounts.Select(a =>
        {
            var h = health.GetValueOrDefault(a.Id);
            return new AccountResponse(a.Id, a.Name, a.Kind, a.BaseUrl, a.StatusAt(now), a.Weight, a.Models,
                a.CooldownUntil > now ? a.CooldownUntil : null, h?.Requests ?? 0, h?.Failures ?? a.Rotations, a.LastError);
        }).ToArray());
    }

    private static async Task<Results<Ok<AccountResponse>, NotFound<AdminError>>> ChangeAsync(string id, IDocumentSession session,
        TimeProvider clock, object change, CancellationToken ct)
    {
        var stream = await session.Events.FetchForExclusiveWriting<UpstreamAccount>(id, ct);
        if (stream.Aggregate is null)
        {
            return TypedResults.NotFound(AdminError.NotFound($"No account {id}."));
        }

        stream.AppendOne(change);
        await session.SaveChangesAsync(ct);
        var a = (await session.LoadAsync<UpstreamAccount>(id, ct))!;
        var now = clock.GetUtcNow();
        return TypedResults.Ok(new AccountResponse(a.Id, a.Name, a.Kind, a.BaseUrl, a.StatusAt(now), a.Weight, a.Models,
            a.CooldownUntil > now ? a.CooldownUntil : null, 0, a.Rotations, a.LastError));
    }
}
