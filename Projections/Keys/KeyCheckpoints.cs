using JasperFx.Events;
using Marten;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using OrProject.Projections.Rebuild;

namespace OrProject.Projections.Keys;

/// <summary>
/// Point-in-time ledgers of a key, exact and fast at any length of history: the fold starts at the latest
/// <see cref="KeyCheckpoint"/> valid for the instant, so it reads at most <see cref="ReplayOptions.CheckpointEvery"/>
/// events however long the stream. Checkpoints come from a rebuild (written as the fold passes them) and from
/// <see cref="ExtendAsync"/>, which the sweeper calls for keys that have run a full interval past their last one.
/// </summary>
public sealed partial class KeyCheckpoints(IDocumentStore store, NpgsqlDataSource dataSource, IOptions<ReplayOptions> options,
    ILogger<KeyCheckpoints> logger)
{
    public int Every => options.Value.CheckpointEvery;

    /// <summary>
    /// The key's ledger as of <paramref name="at"/> (null if it did not exist then) and how many events were folded.
    /// Starts from the latest checkpoint valid for the instant and reads only the versions that can hold events not
    /// after it: up to the last interval between checkpoints whose earliest event is not after the instant, and the
    /// stream's tail beyond the last checkpoint only if it starts before the instant.
    /// </summary>
    public static async Task<(KeyLedger? Ledger, int Folded)> AsOfAsync(IQuerySession session, string keyId, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var checkpoints = await session.Query<KeyCheckpoint>()
            .Where(c => c.KeyId == keyId)
            .OrderBy(c => c.Version)
            .Select(c => new CheckpointBounds(c.Version, c.MinTimestamp, c.MaxTimestamp))
            .ToListAsync(cancellationToken);
        var start = checkpoints.LastOrDefault(c => c.MaxTimestamp <= at);
        var upTo = start?.Version ?? 0;
        foreach (var later in checkpoints.Where(c => c.Version > upTo && c.MinTimestamp <= at))
        {
            upTo = later.Version;
        }

        var last = checkpoints.Count == 0 ? 0 : checkpoints[^1].Version;
        if (upTo == last && await TailStartsByAsync(session, keyId, last, at, cancellationToken))
        {
            upTo = 0; // no upper bound: the tail may hold events not after the instant
        }

        var state = start is null ? null : (await session.LoadAsync<KeyCheckpoint>(KeyCheckpoint.IdFor(keyId, start.Version), cancellationToken))?.Ledger;
        var from = (start?.Version ?? 0) + 1;
        if (upTo != 0 && upTo < from)
        {
            return (state, 0);
        }

        var events = await session.Events.FetchStreamAsync(keyId, version: upTo, timestamp: at, fromVersion: from, token: cancellationToken);
        if (events.Count == 0)
        {
            return (state, 0);
        }

        var aggregator = ((StoreOptions)session.DocumentStore.Options).Projections.AggregatorFor<KeyLedger>();
        var ledger = await aggregator.BuildAsync(events, session, state, cancellationToken);
        return (ledger, events.Count);
    }

    private static Task<bool> TailStartsByAsync(IQuerySession session, string keyId, long after, DateTimeOffset at, CancellationToken cancellationToken) =>
        session.Events.QueryAllRawEvents().AnyAsync(e => e.StreamKey == keyId && e.Version > after && e.Timestamp <= at, cancellationToken);

    private sealed record CheckpointBounds(long Version, DateTimeOffset MinTimestamp, DateTimeOffset MaxTimestamp);

    /// <summary>Brings every key's checkpoints up to its stream; returns how many were written.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var schema = store.Options.DatabaseSchemaName;
        var keys = new List<(string Id, long Version, long Checkpointed)>();
        await using (var command = dataSource.CreateCommand($"""
            select s.id, s.version, coalesce(c.version, 0)
            from "{schema}".mt_streams s
            join "{schema}".mt_doc_keyledger k on k.id = s.id
            left join (select data ->> 'KeyId' as key_id, max((data ->> 'Version')::bigint) as version
                       from "{schema}".mt_doc_keycheckpoint group by 1) c on c.key_id = s.id
            where s.version - coalesce(c.version, 0) >= $1
            """))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = (long)Every });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                keys.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
            }
        }

        var written = 0;
        foreach (var key in keys)
        {
            written += await ExtendAsync(key.Id, cancellationToken);
        }

        if (written > 0)
        {
            LogSwept(logger, written, keys.Count);
        }

        return written;
    }

    /// <summary>
    /// Writes the key's missing checkpoints, one short transaction each (under the views lock, like any view write,
    /// so that none lands in a view table a rebuild has just replaced, computed from a checkpoint it replaced).
    /// </summary>
    public async Task<int> ExtendAsync(string keyId, CancellationToken cancellationToken)
    {
        var written = 0;
        while (true)
        {
            await using var session = store.LightweightSession();
            await session.BeginAppendAsync(cancellationToken);
            var last = await session.Query<KeyCheckpoint>()
                .Where(c => c.KeyId == keyId)
                .OrderByDescending(c => c.Version)
                .FirstOrDefaultAsync(cancellationToken);
            var from = last?.Version ?? 0;
            var events = await session.Events.FetchStreamAsync(keyId, version: from + Every, fromVersion: from + 1, token: cancellationToken);
            if (events.Count < Every)
            {
                return written;
            }

            var aggregator = ((StoreOptions)store.Options).Projections.AggregatorFor<KeyLedger>();
            var ledger = await aggregator.BuildAsync(events, session, last?.Ledger, cancellationToken);
            session.Store(Next(keyId, last, events, ledger!));
            await session.SaveChangesAsync(cancellationToken);
            written++;
        }
    }

    /// <summary>The checkpoint after <paramref name="last"/> once <paramref name="events"/> are folded into <paramref name="ledger"/>.</summary>
    internal static KeyCheckpoint Next(string keyId, KeyCheckpoint? last, IReadOnlyList<IEvent> events, KeyLedger ledger)
    {
        var maxTimestamp = last?.MaxTimestamp ?? DateTimeOffset.MinValue;
        var minTimestamp = DateTimeOffset.MaxValue;
        foreach (var e in events)
        {
            maxTimestamp = e.Timestamp > maxTimestamp ? e.Timestamp : maxTimestamp;
            minTimestamp = e.Timestamp < minTimestamp ? e.Timestamp : minTimestamp;
        }

        var version = events[^1].Version;
        return new KeyCheckpoint
        {
            Id = KeyCheckpoint.IdFor(keyId, version), KeyId = keyId, Version = version, MinTimestamp = minTimestamp, MaxTimestamp = maxTimestamp, Ledger = ledger,
        };
    }

    [LoggerMessage(LogLevel.Information, "Wrote {Count} key checkpoints for {Keys} keys")]
    private static partial void LogSwept(ILogger logger, int count, int keys);
}
