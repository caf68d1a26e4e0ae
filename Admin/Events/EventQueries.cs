using System.Text.Json;
using JasperFx.Events;
using Marten;

namespace OrProject.Admin.Events;

/// <summary>The raw event log, oldest first, for the admin API and the events explorer page.</summary>
internal static class EventQueries
{
    public static async Task<EventResponse[]> ListAsync(IQuerySession session, string? stream, long after, int limit, CancellationToken ct)
    {
        var events = await After(session, stream, after).OrderBy(e => e.Sequence).Take(limit).ToListAsync(ct);
        return events.Select(ToResponse).ToArray();
    }

    /// <summary>Events after sequence <paramref name="after"/>, of one stream when <paramref name="stream"/> is given.</summary>
    public static IQueryable<IEvent> After(IQuerySession session, string? stream, long after)
    {
        var query = session.Events.QueryAllRawEvents().Where(e => e.Sequence > after);
        return string.IsNullOrEmpty(stream) ? query : query.Where(e => e.StreamKey == stream);
    }

    /// <summary>
    /// One event as the API and the export show it, its type named as the contract documents it (<c>KeyIssued</c>, the
    /// .NET record's name) rather than Marten's stored alias (<c>key_issued</c>).
    /// </summary>
    public static EventResponse ToResponse(IEvent e) => new(e.Sequence, e.StreamKey ?? e.StreamId.ToString(),
        e.EventType.Name, e.Timestamp, JsonSerializer.SerializeToElement(e.Data, e.EventType, EventJson.Options));
}
