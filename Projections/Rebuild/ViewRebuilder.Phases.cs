using System.Diagnostics;
using System.Threading.Channels;
using JasperFx.Events;
using Npgsql;

namespace OrProject.Projections.Rebuild;

/// <summary>
/// The rebuild's phases over the log: folding up to a mark (a reader and a folder overlapping), catching up with what
/// live traffic appends meanwhile, and the switch transaction that folds the last events and puts the new tables in
/// place.
/// </summary>
public sealed partial class ViewRebuilder
{
    /// <summary>
    /// Folds the log from the fold's position up to <paramref name="upTo"/>, a settled mark: every event up to it is
    /// folded after. Reading and deserialising run on one thread and folding on another, a bounded queue of batches
    /// between them: deserialising is most of the work, and the two overlap.
    /// </summary>
    private async Task FoldAsync(ViewFold fold, long upTo, RunProgress progress, CancellationToken cancellationToken,
        Func<CancellationToken, Task>? afterEvent = null)
    {
        var batches = Channel.CreateBounded<List<IEvent>>(new BoundedChannelOptions(8) { SingleReader = true, SingleWriter = true });
        var log = new EventLogReader(store, dataSource);
        var from = fold.Position;
        var reading = Task.Run(async () =>
        {
            try
            {
                var batch = new List<IEvent>(ReadBatch);
                await foreach (var e in log.ReadAsync(from, upTo, cancellationToken))
                {
                    batch.Add(e);
                    if (batch.Count == ReadBatch)
                    {
                        await batches.Writer.WriteAsync(batch, cancellationToken);
                        batch = new List<IEvent>(ReadBatch);
                    }
                }

                await batches.Writer.WriteAsync(batch, cancellationToken);
                batches.Writer.Complete();
            }
            catch (Exception ex)
            {
                batches.Writer.Complete(ex);
            }
        }, cancellationToken);

        await foreach (var batch in batches.Reader.ReadAllAsync(cancellationToken))
        {
            foreach (var e in batch)
            {
                await fold.ApplyAsync(e, cancellationToken);
                if (afterEvent is not null)
                {
                    await afterEvent(cancellationToken);
                }
            }

            await progress.ReportAsync(fold, cancellationToken);
        }

        await reading;
        fold.Reached(upTo);
        await progress.ReportAsync(fold, cancellationToken);
    }

    /// <summary>Folds what live traffic appended meanwhile, until what is left is small enough to fold during the switch.</summary>
    private async Task CatchUpAsync(ViewFold fold, RunProgress progress, CancellationToken cancellationToken,
        Func<CancellationToken, Task>? afterEvent = null)
    {
        progress.Enter(RebuildPhases.CatchingUp);
        for (var round = 0; round < 20; round++)
        {
            var mark = await ViewsLock.SettledHighWaterMarkAsync(dataSource, store.Options.DatabaseSchemaName, cancellationToken);
            var behind = mark - fold.Position;
            await FoldAsync(fold, mark, progress, cancellationToken, afterEvent);
            if (behind <= options.Value.SwitchWithin)
            {
                return;
            }
        }
    }

    /// <summary>The switch transaction; retried when a lock could not be had in time. Returns how long appends waited.</summary>
    private async Task<long> SwitchAsync(ViewFold fold, IReadOnlyList<ViewTable> tables, NpgsqlConnection connection,
        RunProgress progress, CancellationToken cancellationToken)
    {
        var schema = store.Options.DatabaseSchemaName;
        for (var attempt = 1; ; attempt++)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            try
            {
                await using (var timeout = new NpgsqlCommand("set local lock_timeout = '5s'", connection, transaction))
                {
                    await timeout.ExecuteNonQueryAsync(cancellationToken);
                }

                await ViewsLock.TakeExclusiveAsync(connection, transaction, schema, cancellationToken);
                var held = Stopwatch.StartNew();
                var mark = await ViewsLock.HighWaterMarkAsync(connection, transaction, schema, cancellationToken);
                await FoldAsync(fold, mark, progress, cancellationToken);
                foreach (var table in tables)
                {
                    await table.UpsertChangedAsync(connection, transaction, cancellationToken);
                }

                foreach (var table in tables)
                {
                    await table.Shadow.SwapAsync(connection, transaction, cancellationToken);
                }

                await AsyncShardProgress.MoveAsync(store, connection, transaction, mark, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                fold.MarkWritten();
                return held.ElapsedMilliseconds;
            }
            catch (PostgresException ex) when (attempt < 3 && ex.SqlState is PostgresErrorCodes.LockNotAvailable or PostgresErrorCodes.DeadlockDetected)
            {
                LogSwitchRetry(logger, ex, attempt);
                await transaction.RollbackAsync(cancellationToken);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), cancellationToken);
            }
        }
    }
}
