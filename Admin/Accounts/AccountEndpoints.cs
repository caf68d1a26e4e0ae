using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OrProject.Admin.Security;
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
        accounts.MapGet("/", async (IQuerySession session, TimeProvider clock, CancellationToken ct) =>
            TypedResults.Ok(await AccountQueries.ListAsync(session, clock.GetUtcNow(), ct)));
        accounts.MapPost("/{id}/disable", async (string id, AccountCommands commands, TimeProvider clock, CancellationToken ct) =>
            (await commands.DisableAsync(id, AdminApiGate.Actor, ct)).ToHttp(a => AccountQueries.ToResponse(a, null, clock.GetUtcNow())));
        accounts.MapPost("/{id}/enable", async (string id, AccountCommands commands, TimeProvider clock, CancellationToken ct) =>
            (await commands.EnableAsync(id, AdminApiGate.Actor, ct)).ToHttp(a => AccountQueries.ToResponse(a, null, clock.GetUtcNow())));
        accounts.MapPost("/{id}/restore", async (string id, AccountCommands commands, TimeProvider clock, CancellationToken ct) =>
            (await commands.RestoreAsync(id, AdminApiGate.Actor, ct)).ToHttp(a => AccountQueries.ToResponse(a, null, clock.GetUtcNow())));
        return admin;
    }

    private static async Task<Results<Created<AccountCreated>, BadRequest<AdminError>>> AddAsync(AddAccountRequest request,
        AccountCommands commands, CancellationToken ct)
    {
        var result = await commands.AddAsync(request, AdminApiGate.Actor, ct);
        if (!result.Succeeded)
        {
            return TypedResults.BadRequest(AdminError.Invalid(result.Error!));
        }

        var a = result.Value!;
        return TypedResults.Created($"/admin/api/accounts/{a.Id}", new AccountCreated(a.Id, a.Name, a.Kind, a.BaseUrl, AccountStatus.Active, a.Weight));
    }
}
