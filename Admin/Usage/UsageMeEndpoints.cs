using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OrProject.Admin.Keys;
using OrProject.Admin.Security;
using OrProject.Projections.Keys;

namespace OrProject.Admin.Usage;

/// <summary><c>GET /usage/me</c>: a key holder's own spend, authenticated by the key itself.</summary>
internal static class UsageMeEndpoints
{
    public static IEndpointRouteBuilder MapUsageMe(this IEndpointRouteBuilder app)
    {
        app.MapGet("/usage/me", GetAsync).WithTags("Usage");
        return app;
    }

    private static async Task<IResult> GetAsync(HttpRequest request, IQuerySession session, TimeProvider clock, CancellationToken ct)
    {
        if (ApiKeys.FromRequest(request) is not { Length: > 0 } key)
        {
            return Unauthorized();
        }

        var ledger = await KeyUsageQuery.FindByKeyAsync(session, key, ct);
        return ledger is null
            ? Unauthorized()
            : Results.Ok(UsageMeResponse.From(ledger, await BudgetHoldQueries.ReservedAsync(session, ledger.Id, ct), clock.GetUtcNow()));
    }

    private static IResult Unauthorized() => Results.Json(
        new AdminError("error", new AdminErrorDetail("authentication_error", "invalid x-api-key")), statusCode: 401);
}
