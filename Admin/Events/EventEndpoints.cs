using System.Text.Json;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace OrProject.Admin.Events;

public sealed record EventResponse(long Seq, string StreamId, string Type, DateTimeOffset Timestamp, JsonElement Data);

/// <summary><c>GET /admin/api/events?stream=&amp;after=&amp;limit=</c>: the raw event log, oldest first.</summary>
internal static class EventEndpoints
{
    public static RouteGroupBuilder MapEvents(this RouteGroupBuilder admin)
    {
        admin.MapGet("/events", ListAsync).WithTags("Events");
        return admin;
    }

    private static async Task<Ok<EventResponse[]>> ListAsync(IQuerySession session, string? stream, long? after, int? limit, CancellationToken ct) =>
        TypedResults.Ok(await EventQueries.ListAsync(session, stream, after ?? 0, Math.Clamp(limit ?? 100, 1, 1000), ct));
}
