using System.Diagnostics;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using OrProject.Projections.Keys;
using OrProject.Projections.Requests;

namespace OrProject.Projections.Rebuild;

/// <summary>The rebuild could not start: another instance is running one.</summary>
public sealed class RebuildBusyException(string message) : Exception(message);

/// <summary>
/// Rebuilds every view from the event log while the current views keep serving (blue/green):
/// <list type="number">
/// <item>fold the log up to a settled high-water mark in memory (<see cref="ViewFold"/>), then keep folding what live
/// traffic appends meanwhile;</item>
/// <item>write each view into a table beside the serving one (<see cref="ShadowTable"/>: COPY, then indexes);</item>
/// <item>switch: with appends held back by <see cref="ViewsLock"/>, fold the last events, write the documents they
/// changed, rename every next table into place and move the async projections' progress to the same event, all in one
/// transaction. Every reader, on every instance, sees the old views or the new ones; a failure before the commit
/// leaves the serving views as they were.</item>
/// </list>
/// One rebuild at a time across all instances (a session advisory lock); progress is a <see cref="RebuildRun"/>.
/// </summary>
public sealed partial class ViewRebuilder(IDocumentStore store, NpgsqlDataSource dataSource, IOptions<ReplayOptions> options,
    TimeProvider clock, KeyLedgerCache admission, ILogger<ViewRebuilder> logger)
{
    /// <summary>Events handed from the reader to the fold at a time.</summary>
    private const int ReadBatch = 1000;

    private readonly Lock _gate = new();
    private Task<RebuildRun>? _running;

    /// <summary>Starts a rebuild on this instance, or joins the one it is running; completes when it ends.</summary>
    public Task<RebuildRun> RunAsync()
    {
        lock (_gate)
        {
            if (_running is not { IsCompleted: false })
            {
                // Not tied to any request: an operator's closed terminal does not abandon a half-written rebuild.
                _running = Task.Run(() => RebuildAsync(CancellationToken.None));
            }

            return _running;
        }
    }

    /// <summary>
    /// Whether this instance is running a rebuild. True from the moment <see cref="RunAsync"/> starts one, before the
    /// run's first record is saved, so a page that started it can tell it is under way.
    /// </summary>
    public bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _running is { IsCompleted: false };
            }
        }
    }

    /// <summary>The latest run on any instance, or null if there was none.</summary>
    public static Task<RebuildRun?> LatestAsync(IQuerySession session, CancellationToken cancellationToken) =>
        session.Query<RebuildRun>().OrderByDescending(r => r.StartedAt).FirstOrDefaultAsync(cancellationToken);

    private async Task<RebuildRun> RebuildAsync(CancellationToken cancellationToken)
    {
        var schema = store.Options.DatabaseSchemaName;
        await using var runLock = await dataSource.OpenConnectionAsync(cancellationToken);
        if (!await ViewsLock.TryTakeRunLockAsync(runLock, schema, cancellationToken))
        {
            throw new RebuildBusyException("A rebuild is already running on another instance; GET /admin/api/projections/rebuild follows it.");
        }

        var run = new RebuildRun
        {
            Id = "rebuild_" + Guid.CreateVersion7().ToString("N"), Host = Environment.MachineName, StartedAt = clock.GetUtcNow(),
        };
        var watch = Stopwatch.StartNew();
        var progress = new RunProgress(store, clock, run, watch);
        await using var events = store.QuerySession();
        var fold = new ViewFold(store, events, options.Value.CheckpointEvery);
        var tables = Tables(fold);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await progress.SaveAsync(cancellationToken);
            run.Target = await ViewsLock.SettledHighWaterMarkAsync(dataSource, schema, cancellationToken);
            LogStarted(logger, run.Id, run.Target);
            foreach (var table in tables)
            {
                await table.StartAsync(connection, cancellationToken);
            }

            async Task FlushFullAsync(CancellationToken ct)
            {
                foreach (var table in tables)
                {
                    await table.FlushIfFullAsync(connection, ct);
                }
            }

            await FoldAsync(fold, run.Target, progress, cancellationToken, FlushFullAsync);
            await CatchUpAsync(fold, progress, cancellationToken, FlushFullAsync);

            progress.Enter(RebuildPhases.Writing);
            foreach (var table in tables)
            {
                await table.CopyAllAsync(connection, cancellationToken);
                await table.Shadow.IndexAsync(connection, cancellationToken);
                run.Documents[table.Shadow.Table] = table.Count;
            }

            fold.MarkWritten();
            await CatchUpAsync(fold, progress, cancellationToken);

            progress.Enter(RebuildPhases.Switching);
            run.SwitchMilliseconds = await SwitchAsync(fold, tables, connection, progress, cancellationToken);
            // Other edges read the new views as soon as their cached reads expire (Keys:AdmissionCacheMilliseconds,
            // Keys:UnknownKeyCacheSeconds); this one need not wait.
            admission.ForgetAll();
            run.State = RebuildStates.Succeeded; // switched in: from here a failure leaves only old tables behind
            foreach (var table in tables)
            {
                try
                {
                    await table.Shadow.DropLeftoversAsync(connection, cancellationToken);
                }
                catch (Exception cleanup) when (cleanup is not OperationCanceledException)
                {
                    LogCleanupFailed(logger, cleanup, table.Shadow.Table);
                }
            }

            progress.Enter(RebuildPhases.Done);
            LogFinished(logger, run.Id, run.Events, watch.ElapsedMilliseconds, run.EventsPerSecond, run.SwitchMilliseconds);
        }
        catch (Exception ex)
        {
            run.State = RebuildStates.Failed;
            run.Error = ex.Message;
            LogFailed(logger, ex, run.Id);
            foreach (var table in tables)
            {
                try
                {
                    await table.Shadow.DropLeftoversAsync(connection, CancellationToken.None);
                }
                catch (Exception cleanup)
                {
                    LogCleanupFailed(logger, cleanup, table.Shadow.Table);
                }
            }
        }
        finally
        {
            run.FinishedAt = clock.GetUtcNow();
            await progress.SaveAsync(CancellationToken.None);
            await ViewsLock.ReleaseRunLockAsync(runLock, schema);
        }

        return run;
    }

    private List<ViewTable> Tables(ViewFold fold)
    {
        var serializer = store.Options.Serializer();
        ShadowTable Shadow<T>() =>
            new(store.Options.DatabaseSchemaName, store.Options.FindOrResolveDocumentType(typeof(T)).TableName.Name, typeof(T).FullName!);
        ViewTable For<T>(ViewSet<T> set)
            where T : class =>
            new ViewTable.Of<T>(Shadow<T>(), set, d => serializer.ToJson(d));
        return [For(fold.Keys), For(fold.Accounts), For(fold.Settings), For(fold.DailyUsage), For(fold.AccountHealth), For(fold.Checkpoints),
            new ViewTable.Streamed<RequestLogEntry>(Shadow<RequestLogEntry>(), fold.Requests, d => serializer.ToJson(d), options.Value.RequestLogBatch)];
    }


    [LoggerMessage(LogLevel.Information, "Rebuild {RunId} started: folding the log up to event {Target}")]
    private static partial void LogStarted(ILogger logger, string runId, long target);

    [LoggerMessage(LogLevel.Information, "Rebuild {RunId} switched in: {Events} events in {ElapsedMilliseconds} ms ({EventsPerSecond} events/s); appends waited {SwitchMilliseconds} ms")]
    private static partial void LogFinished(ILogger logger, string runId, long events, long elapsedMilliseconds, double eventsPerSecond, long? switchMilliseconds);

    [LoggerMessage(LogLevel.Error, "Rebuild {RunId} failed; the serving views are unchanged")]
    private static partial void LogFailed(ILogger logger, Exception exception, string runId);

    [LoggerMessage(LogLevel.Warning, "Could not drop the rebuild's table {Table}; the next rebuild drops it")]
    private static partial void LogCleanupFailed(ILogger logger, Exception exception, string table);

    [LoggerMessage(LogLevel.Warning, "The rebuild's switch could not take its locks in time (attempt {Attempt}); retrying")]
    private static partial void LogSwitchRetry(ILogger logger, Exception exception, int attempt);
}
