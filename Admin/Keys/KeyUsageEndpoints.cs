using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OrProject.Admin.Security;
using OrProject.Projections.Keys;

namespace OrProject.Admin.Keys;

public sealed record ModelUsage(string Model, long Requests, long InputTokens, long OutputTokens, decimal CostUsd);

public sealed record DayUsage(DateOnly Day, long Requests, decimal CostUsd);

public sealed record KeyUsageResponse(decimal SpentUsd, long Requests, long InputTokens, long OutputTokens,
    IReadOnlyList<ModelUsage> ByModel, IReadOnlyList<DayUsage> ByDay);

/// <summary><c>GET /admin/api/keys/{id}/usage</c>: totals from the ledger, breakdowns from the daily usage view.</summary>
internal static class KeyUsageEndpoints
{
    public static RouteGroupBuilder MapKeyUsage(this RouteGroupBuilder admin)
    {
        admin.MapGet("/keys/{id}/usage", GetAsync).WithTags("Keys");
        return admin;
    }

    private static async Task<Results<Ok<KeyUsageResponse>, NotFound<AdminError>>> GetAsync(string id, IQuerySession session, CancellationToken ct)
    {
        if (await session.LoadAsync<KeyLedger>(id, ct) is not { } key)
        {
            return TypedResults.NotFound(AdminError.NotFound($"No key {id}."));
        }

        return TypedResults.Ok(await KeyUsageQuery.ForKeyAsync(session, key, ct));
    }
}
