using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Marten;
using Npgsql;

namespace OrProject.Projections.Rebuild;

/// <summary>
/// The lock that keeps a rebuild's switch and live appends apart. Every transaction that appends events holds it
/// shared from before it reads a view until it commits (<see cref="BeginAppendAsync"/>); a rebuild holds it exclusively
/// for a moment, to read a high-water mark with no append in flight, and for its switch, so that no inline projection
/// loads a document from the serving table and writes it back after the switch. A database trigger refuses an event
/// appended without it, so a path that forgets it fails loudly instead of racing a rebuild. One lock per schema
/// (a PostgreSQL advisory lock, transaction-scoped: a crashed holder cannot leave it taken).
/// </summary>
public static class ViewsLock
{
    /// <summary>"orp" as the advisory lock's first key; the second is derived from the schema.</summary>
    private const int LockClass = 0x6F7270;

    /// <summary>The advisory lock class of "a rebuild runs" (session-scoped: one rebuild at a time across instances).</summary>
    private const int RunLockClass = 0x6F7271;

    private const string AppendingSetting = "orp.appending";

    /// <summary>The advisory lock's second key for a schema: stable across processes and versions.</summary>
    public static int KeyFor(string schema) =>
        BinaryPrimitives.ReadInt32LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(schema)));

    /// <summary>
    /// Opens the session's transaction and takes the lock shared, for a session about to append events. Call before
    /// the first read (<c>FetchForExclusiveWriting</c> included) and let <c>SaveChangesAsync</c> commit.
    /// </summary>
    public static async Task BeginAppendAsync(this IDocumentSession session, CancellationToken cancellationToken = default)
    {
        await session.BeginTransactionAsync(cancellationToken);
        await using var command = session.Connection!.CreateCommand();
        command.CommandText = $"select pg_advisory_xact_lock_shared({LockClass}, $1), set_config('{AppendingSetting}', 'on', true)";
        command.Parameters.Add(new NpgsqlParameter { Value = KeyFor(session.DocumentStore.Options.DatabaseSchemaName) });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Takes the lock exclusively in <paramref name="transaction"/>: returns once no append is in flight.</summary>
    internal static async Task TakeExclusiveAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string schema, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"select pg_advisory_xact_lock({LockClass}, $1)", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = KeyFor(schema) });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// The highest event sequence once every append in flight has committed: no event at or below it can appear
    /// later, so a reader that has folded up to it has seen every event up to it (sequence numbers have gaps
    /// while transactions are open, and a fold that skipped past one would miss an event for good).
    /// </summary>
    internal static async Task<long> SettledHighWaterMarkAsync(NpgsqlDataSource dataSource, string schema, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await TakeExclusiveAsync(connection, transaction, schema, cancellationToken);
        var mark = await HighWaterMarkAsync(connection, transaction, schema, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return mark;
    }

    internal static async Task<long> HighWaterMarkAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string schema, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"select coalesce(max(seq_id), 0) from \"{schema}\".mt_events", connection, transaction);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Installs the trigger that refuses an event appended without the lock (Marten's own tombstones, which fill
    /// the sequence gaps of failed appends in a stream of their own, are let through). Idempotent; run at startup
    /// once Marten's tables exist, by every process (one at a time).
    /// </summary>
    internal static async Task InstallGuardAsync(NpgsqlDataSource dataSource, string schema, CancellationToken cancellationToken)
    {
        var sql = $"""
            select pg_advisory_xact_lock({LockClass}, 0);
            create or replace function "{schema}".orp_require_views_lock() returns trigger language plpgsql as $body$
            begin
              if new.type <> 'tombstone' and coalesce(current_setting('{AppendingSetting}', true), '') <> 'on' then
                raise exception 'event % appended without the views lock (ViewsLock.BeginAppendAsync)', new.type;
              end if;
              return new;
            end $body$;
            create or replace trigger orp_require_views_lock before insert on "{schema}".mt_events
              for each row execute function "{schema}".orp_require_views_lock();
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    internal static async Task<bool> TryTakeRunLockAsync(NpgsqlConnection connection, string schema, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"select pg_try_advisory_lock({RunLockClass}, $1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = KeyFor(schema) });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    internal static async Task ReleaseRunLockAsync(NpgsqlConnection connection, string schema)
    {
        await using var command = new NpgsqlCommand($"select pg_advisory_unlock({RunLockClass}, $1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = KeyFor(schema) });
        await command.ExecuteNonQueryAsync();
    }
}
