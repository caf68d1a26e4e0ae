using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OrProject.Admin.Security;

namespace OrProject.Admin.Requests;

/// <summary><c>GET /admin/api/requests?key=&amp;model=&amp;outcome=&amp;from=&amp;to=&amp;before=&amp;limit=</c>: the request log, newest first.</summary>
internal static class RequestEndpoints
{
    public static RouteGroupBuilder MapRequests(this RouteGroupBuilder admin)
    {
        admin.MapGet("/requests", ListAsync).WithTags("Requests");
        return admin;
    }

    // Every parameter binds as text and is parsed here, so a bad one is a 400 that names it, never a binding failure.
    private static async Task<Results<Ok<IReadOnlyList<RequestLogResponse>>, BadRequest<AdminError>>> ListAsync(IQuerySession session,
        string? key, string? model, string? outcome, string? from, string? to, string? before, string? limit, CancellationToken ct)
    {
        var (query, error) = RequestQuery.Parse(key, model, outcome, from, to, before, limit);
        if (query is null)
        {
            return TypedResults.BadRequest(AdminError.Invalid(error!));
        }

        return await query.RunAsync(session, ct) is { } rows
            ? TypedResults.Ok(rows)
            : TypedResults.BadRequest(AdminError.Invalid($"before: no request {query.Before} in the log."));
    }
}
