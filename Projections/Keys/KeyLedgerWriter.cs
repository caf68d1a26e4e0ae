using System.Diagnostics.Metrics;
using System.Threading.Channels;
using JasperFx;
using Marten;
using Microsoft.Extensions.Logging;
using Npgsql;
using OrProject.Contracts.Events;

namespace OrProject.Projections.Keys;

/// <summary>
/// Every write that moves a key's budget: holds at admission (<see cref="HoldAsync"/>), charges
/// (<see cref="RecordAsync"/>), releases and expiries. Hundreds of requests arrive at once, on one key or on many, so
/// writes are group-committed: one writer loop in this process drains whatever is queued, across keys, into one
/// transaction
/// (<see cref="LedgerBatch"/>) under the row locks of those keys' streams (<c>FetchForExclusiveWriting</c>). Those
/// locks are what make the cap exact across processes: every edge and worker decides on the same spend and the same
/// sum of holds, one batch at a time, with no optimistic-retry storm on a hot key. A charge deletes the request's hold
/// and writes a receipt (its id is the request id) in the same transaction, so a second charge of a request is a
/// no-op and a charge never leaves its hold behind. The key's rate and concurrency limits are decided in the same
/// transaction, for the same reason: concurrency is the count of the key's open holds, and <c>rpm</c>/<c>tpm</c> are
/// buckets in one <see cref="KeyRateWindow"/> document per key. An in-process limiter would be cheaper but would give
/// each edge its own allowance; these are exact on any number of edges, and a key with none of these limits reads
/// nothing more than before.
/// </summary>
public sealed class KeyLedgerWriter : IAsyncDisposable
{
    /// <summary>Commands in one transaction, at most.</summary>
    internal const int MaxBatch = 256;

    /// <summary>
    /// Keys in one transaction, at most: each is a row lock held to the commit, so a batch of many keys makes other
    /// processes' writes to any of them wait for all of it. That was 16 while workers wrote every charge; since the
    /// edge writes the charges of completed generations, other processes' writes are rare, and with 16 a run over 32
    /// keys took two transactions a round (32 keys at 32 in flight, held bench: 321–326 streams a second, PostgreSQL
    /// 1.55–1.60 ms of CPU a request; with 64, 340–422 and 1.21–1.48 ms).
    /// </summary>
    internal const int MaxKeysPerBatch = 64;

    private const int MaxAttempts = 40;
    private readonly IDocumentStore _store;
    private readonly ILogger _logger;
    private readonly Histogram<int>? _batchCommands;
    private readonly Histogram<int>? _batchKeys;
    private readonly Channel<PendingWrite> _queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;

    /// <summary>
    /// Starts the process's one writer loop. It writes one batch at a time and its next batch holds what queued
    /// meanwhile, so one loop makes the fewest, largest transactions: measured with 32 keys at 32 requests in flight on
    /// two cores it carried 412–507 streams a second (PostgreSQL 0.8–1.0 ms of CPU a request), two loops 355–429
    /// (1.1–1.3 ms), four 300–344 (1.5–1.8 ms); one key and one request at a time were the same with each.
    /// </summary>
    /// <param name="store">The event store.</param>
    /// <param name="logger">Where retries and failures are logged.</param>
    /// <param name="meters">
    /// Where the batches are counted (<c>orp_ledger_batch_commands</c>, <c>orp_ledger_batch_keys</c>: how much each
    /// transaction carried, which shows the group commit at work); none, not counted.
    /// </param>
    public KeyLedgerWriter(IDocumentStore store, ILogger<KeyLedgerWriter> logger, IMeterFactory? meters = null)
    {
        _store = store;
        _logger = logger;
        // The gateway's meter (OrProject.ServiceDefaults' GatewayMetrics names it too), so /metrics exports these.
        var meter = meters?.Create("OrProject");
        _batchCommands = meter?.CreateHistogram<int>("orp.ledger_batch.commands", unit: "{command}", description: "Ledger commands written in one transaction.");
        _batchKeys = meter?.CreateHistogram<int>("orp.ledger_batch.keys", unit: "{key}", description: "Keys whose ledgers one transaction wrote.");
        _loop = Task.Run(RunAsync);
    }

    /// <summary>
    /// Holds <paramref name="hold"/>'s amount if the key's spend, the holds already open and this one fit its budget;
    /// refused otherwise (or when the key is unknown or disabled), with the figures that decided it.
    /// </summary>
    public async Task<HoldResult> HoldAsync(BudgetHold hold, CancellationToken cancellationToken) =>
        (HoldResult)(await EnqueueAsync(new LedgerCommand.Hold(hold), cancellationToken))!;

    /// <summary>Completes once the usage is committed (true) or was already recorded for that request (false).</summary>
    public async Task<bool> RecordAsync(UsageRecorded usage, CancellationToken cancellationToken) =>
        (bool)(await EnqueueAsync(new LedgerCommand.Record(usage), cancellationToken))!;

    /// <summary>
    /// Gives a request's hold back without a charge: the request never reached an upstream. When the hold was still
    /// there, <paramref name="release"/> is appended (its amount and hold time taken from the hold), so the request
    /// leaves its event in the log; a hold already settled (charged, expired or released) appends nothing.
    /// </summary>
    public async Task ReleaseAsync(BudgetHoldReleased release, CancellationToken cancellationToken) =>
        await EnqueueAsync(new LedgerCommand.Release(release), cancellationToken);

    /// <summary>Gives back a hold that nobody settled before <see cref="BudgetHold.ExpiresAt"/>, as an event.</summary>
    public async Task<bool> ExpireAsync(BudgetHold hold, DateTimeOffset now, CancellationToken cancellationToken) =>
        (bool)(await EnqueueAsync(new LedgerCommand.Expire(hold.KeyId, hold.Id, now), cancellationToken))!;

    private Task<object?> EnqueueAsync(LedgerCommand command, CancellationToken cancellationToken)
    {
        var pending = new PendingWrite(command, new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new InvalidOperationException("The key ledger writer is shut down.");
        }

        // A charge is committed even if the caller stops waiting: cancellation only ends the wait.
        return pending.Done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// An outage or a conflict, which a retry can outlast; not an error PostgreSQL will give again (a constraint, bad
    /// data), which Npgsql tells apart by its SQL state.
    /// </summary>
    private static bool IsTransient(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is NpgsqlException npgsql)
            {
                return npgsql.IsTransient || npgsql.InnerException is System.Net.Sockets.SocketException or IOException or TimeoutException;
            }

            if (e is ConcurrencyException or TimeoutException or System.Net.Sockets.SocketException)
            {
                return true;
            }
        }

        return false;
    }

    public ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        return new ValueTask(_loop);
    }

    /// <summary>
    /// The writer loop: batches of up to <see cref="MaxBatch"/> commands over up to <see cref="MaxKeysPerBatch"/> keys,
    /// one transaction at a time. A command whose key does not fit the batch waits for the next, ahead of anything
    /// queued after it, so each key's commands are written in the order they came.
    /// </summary>
    private async Task RunAsync()
    {
        var batch = new List<PendingWrite>(MaxBatch);
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var deferred = new Queue<PendingWrite>();
        while (deferred.Count > 0 || await _queue.Reader.WaitToReadAsync())
        {
            // What was deferred first: it was read before anything still queued.
            for (var n = deferred.Count; n > 0; n--)
            {
                Take(deferred.Dequeue());
            }

            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var pending))
            {
                Take(pending);
            }

            if (batch.Count == 0)
            {
                continue;
            }

            await WriteWithRetryAsync(batch);
            _batchCommands?.Record(batch.Count);
            _batchKeys?.Record(keys.Count);
            batch.Clear();
            keys.Clear();
        }

        void Take(PendingWrite pending)
        {
            var keyId = pending.Command.KeyId;
            if (batch.Count < MaxBatch && (keys.Contains(keyId) || keys.Count < MaxKeysPerBatch))
            {
                keys.Add(keyId);
                batch.Add(pending);
            }
            else
            {
                deferred.Enqueue(pending);
            }
        }
    }

    private async Task WriteWithRetryAsync(List<PendingWrite> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var results = await LedgerBatch.WriteAsync(_store, batch);
                for (var i = 0; i < batch.Count; i++)
                {
                    batch[i].Done.TrySetResult(results[i]);
                }

                return;
            }
            catch (Exception ex) when (attempt < MaxAttempts && IsTransient(ex) && !LedgerBatch.OnlyHolds(batch))
            {
                // Keep trying through a database outage of about a minute: a charge is never dropped lightly.
                // (A hold is not retried: its client is waiting, and a refusal it can retry is the better answer.)
                _logger.LogWarning(ex, "Writing the ledger of {Keys} key(s) failed on attempt {Attempt}; retrying",
                    batch.Select(p => p.Command.KeyId).Distinct().Count(), attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 50 * attempt * attempt)));
            }
            catch (Exception ex) when (!IsTransient(ex) && SplitByKey(batch) is { Count: > 1 } perKey)
            {
                // Something in this batch cannot be written (a fault, not an outage): each key's commands are
                // tried alone, so one key's failure is not every key's.
                _logger.LogWarning(ex, "A ledger batch over {Keys} keys failed; writing each key alone", perKey.Count);
                foreach (var group in perKey)
                {
                    await WriteWithRetryAsync(group);
                }

                return;
            }
            catch (Exception ex)
            {
                foreach (var pending in batch)
                {
                    pending.Done.TrySetException(ex);
                }

                return;
            }
        }
    }

    private static List<List<PendingWrite>> SplitByKey(List<PendingWrite> batch) =>
        [.. batch.GroupBy(p => p.Command.KeyId, StringComparer.Ordinal).Select(g => g.ToList())];
}
