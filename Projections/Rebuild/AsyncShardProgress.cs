using JasperFx.Events.Projections;
using Marten;
using Npgsql;

namespace OrProject.Projections.Rebuild;

/// <summary>Where the async projections' shards stand in the log (Marten's progression rows).</summary>
internal static class AsyncShardProgress
{
    /// <summary>
    /// The async projections resume after the last event folded into the tables just switched in. A daemon batch in
    /// flight meanwhile fails its own progress check and rolls back (the daemon then stops that shard, and
    /// <see cref="ShardRestarter"/> starts it again from here).
    /// </summary>
    public static async Task MoveAsync(IDocumentStore store, NpgsqlConnection connection, NpgsqlTransaction transaction, long mark, CancellationToken cancellationToken)
    {
        var shards = ((StoreOptions)store.Options).Projections.All
            .Where(p => p.Lifecycle == ProjectionLifecycle.Async)
            .Select(p => p.Name + ":All")
            .ToArray();
        await using var command = new NpgsqlCommand($"""
            insert into "{store.Options.DatabaseSchemaName}".mt_event_progression (name, last_seq_id, last_updated)
            select unnest($1::varchar[]), $2, transaction_timestamp()
            on conflict (name) do update set last_seq_id = excluded.last_seq_id, last_updated = excluded.last_updated
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = shards });
        command.Parameters.Add(new NpgsqlParameter { Value = mark });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
