using JasperFx.Events;
using Marten;
using Marten.Events;

namespace OrProject.Admin.Audit;

/// <summary>
/// The audit log: admin events newest first, a page at a time, each with the values it changed. "Before" comes from
/// folding the earlier admin events of the same streams (<see cref="AuditFold"/>), read in one query per page.
/// </summary>
internal static class AuditTrail
{
    public static async Task<IReadOnlyList<AuditEntry>> PageAsync(IQuerySession session, long? before, int size, CancellationToken ct)
    {
        var query = session.Events.QueryAllRawEvents().Where(e => e.EventTypesAre(AuditFold.Listed));
        if (before is { } cursor)
        {
            query = query.Where(e => e.Sequence < cursor);
        }

        var page = await query.OrderByDescending(e => e.Sequence).Take(size).ToListAsync(ct);
        if (page.Count == 0)
        {
            return [];
        }

        var streams = page.Select(StreamOf).Distinct().ToArray();
        var last = page[0].Sequence;
        var history = await session.Events.QueryAllRawEvents()
            .Where(e => e.EventTypesAre(AuditFold.Folded) && e.StreamKey!.IsOneOf(streams) && e.Sequence <= last)
            .OrderBy(e => e.Sequence).ToListAsync(ct);

        var states = streams.ToDictionary(s => s, AuditFold.Initial);
        var changes = new Dictionary<long, IReadOnlyList<AuditChange>>();
        foreach (var e in history)
        {
            changes[e.Sequence] = AuditFold.Apply(states[StreamOf(e)], e.Data);
        }

        return page.Select(e => new AuditEntry(e.Sequence, e.Timestamp, AuditFold.Actor(e.Data), StreamOf(e), e.Data.GetType().Name,
            changes.GetValueOrDefault(e.Sequence) ?? [])).ToList();
    }

    private static string StreamOf(IEvent e) => e.StreamKey ?? e.StreamId.ToString();
}
