using System.Text.Json;
using Marten;

namespace OrProject.Admin.Events;

/// <summary>The raw event log, oldest first, for the admin API and the events explorer page.</summary>
internal static class EventQueries
{
    public static async Task<EventResponse[]> ListAsync(IQuerySession session, string? stream, long after, int limit, CancellationToken ct)
    {
        var query = session.Events.QueryAllRawEvents().Where(e => e.Sequence > after);
        if (!string.IsNullOrEmpty(stream))
        {
            query = query.Where(e => e.StreamKey == stream);
        }

        var events = await query.OrderBy(e => e.Sequence).Take(limit).ToListAsync(ct);
        return events.Select(e => new EventResponse(e.Sequence, e.StreamKey ?? e.StreamId.ToString(),
            e.EventTypeName, e.Timestamp, JsonSerializer.SerializeToElement(e.Data, e.EventType, EventJson.Options))).ToArray();
    }
}
