using System.Collections.Concurrent;
using System.Threading.Channels;
using JasperFx;
using Marten;
using Microsoft.Extensions.Logging;
using Npgsql;
using OrProject.Contracts.Events;

using OrProject.Projections.Rebuild;

namespace OrProject.Projections.Keys;

/// <summary>
/// Every write that moves a key's budget: holds at admission (<see cref="HoldAsync"/>), charges
/// (<see cref="RecordAsync"/>), releases and expiries. Hundreds of requests on one key arrive at once, so each key
/// gets a single writer in this process that drains whatever is queued into one transaction under the key stream's
/// row lock (<c>FetchForExclusiveWriting</c>). That lock is what makes the cap exact across processes: every edge and
/// worker decides on the same spend and the same sum of holds, one batch at a time, with no optimistic-retry storm
/// on a hot key. A charge deletes the request's hold and writes a receipt (its id is the request id) in the same
/// transaction, so a second charge of a request is a no-op and a charge never leaves its hold behind.
/// The key's rate and concurrency limits are decided in the same transaction, for the same reason: concurrency is the
/// count of the key's open holds, and <c>rpm</c>/<c>tpm</c> are buckets in one <see cref="KeyRateWindow"/> document
/// per key. An in-process limiter would be cheaper but would give each edge its own allowance; these are exact on any
/// number of edges, and a key with none of these limits reads nothing more than before.
/// </summary>
public sealed class KeyLedgerWriter(IDocumentStore store, ILogger<KeyLedgerWriter> logger) : IAsyncDisposable
{
    private const int MaxBatch = 256;
    private const int MaxAttempts = 40;
    private readonly ConcurrentDictionary<string, Lazy<KeyWriter>> _writers = new();

    /// <summary>
    /// Holds <paramref name="hold"/>'s amount if the key's spend, the holds already open and this one fit its budget;
    /// refused otherwise (or when the key is unknown or disabled), with the figures that decided it.
    /// </summary>
    public async Task<HoldResult> HoldAsync(BudgetHold hold, CancellationToken cancellationToken) =>
        (HoldResult)(await Writer(hold.KeyId).EnqueueAsync(new Command.Hold(hold), cancellationToken))!;

    /// <summary>Completes once the usage is committed (true) or was already recorded for that request (false).</summary>
    public async Task<bool> RecordAsync(UsageRecorded usage, CancellationToken cancellationToken) =>
        (bool)(await Writer(usage.KeyId).EnqueueAsync(new Command.Record(usage), cancellationToken))!;

    /// <summary>
    /// Gives a request's hold back without a charge: the request never reached an upstream. When the hold was still
    /// there, <paramref name="release"/> is appended (its amount and hold time taken from the hold), so the request
    /// leaves its event in the log; a hold already settled (charged, expired or released) appends nothing.
    /// </summary>
    public async Task ReleaseAsync(BudgetHoldReleased release, CancellationToken cancellationToken) =>
        await Writer(release.KeyId).EnqueueAsync(new Command.Release(release), cancellationToken);

    /// <summary>Gives back a hold that nobody settled before <see cref="BudgetHold.ExpiresAt"/>, as an event.</summary>
    public async Task<bool> ExpireAsync(BudgetHold hold, DateTimeOffset now, CancellationToken cancellationToken) =>
        (bool)(await Writer(hold.KeyId).EnqueueAsync(new Command.Expire(hold.Id, now), cancellationToken))!;

    private KeyWriter Writer(string keyId) =>
        // Lazy: GetOrAdd may run its factory twice under contention, and a writer owns a running loop.
        _writers.GetOrAdd(keyId, key => new Lazy<KeyWriter>(() => new KeyWriter(key, store, logger))).Value;

    private static bool IsTransient(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is NpgsqlException or ConcurrencyException or TimeoutException or System.Net.Sockets.SocketException)
            {
                return true;
            }
        }

        return false;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var writer in _writers.Values)
        {
            await writer.Value.StopAsync();
        }
    }

    private abstract record Command
    {
        public sealed record Hold(BudgetHold Value) : Command;

        public sealed record Record(UsageRecorded Usage) : Command;

        public sealed record Release(BudgetHoldReleased Event) : Command;

        public sealed record Expire(string RequestId, DateTimeOffset Now) : Command;
    }

    private sealed record Pending(Command Command, TaskCompletionSource<object?> Done);

    private sealed class KeyWriter
    {
        private readonly string _keyId;
        private readonly IDocumentStore _store;
        private readonly ILogger _logger;
        private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
        private readonly Task _loop;

        public KeyWriter(string keyId, IDocumentStore store, ILogger logger)
        {
            _keyId = keyId;
            _store = store;
            _logger = logger;
            _loop = Task.Run(RunAsync);
        }

        public Task<object?> EnqueueAsync(Command command, CancellationToken cancellationToken)
        {
            var pending = new Pending(command, new TaskCompletionSource<object?>(TaskCreationOptions.RunContinuationsAsynchronously));
            if (!_queue.Writer.TryWrite(pending))
            {
                throw new InvalidOperationException("The key ledger writer is shut down.");
            }

            // A charge is committed even if the caller stops waiting: cancellation only ends the wait.
            return pending.Done.Task.WaitAsync(cancellationToken);
        }

        public Task StopAsync()
        {
            _queue.Writer.TryComplete();
            return _loop;
        }

        private async Task RunAsync()
        {
            var batch = new List<Pending>(MaxBatch);
            while (await _queue.Reader.WaitToReadAsync())
            {
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var pending))
                {
                    batch.Add(pending);
                }

                await WriteWithRetryAsync(batch);
                batch.Clear();
            }
        }

        private async Task WriteWithRetryAsync(List<Pending> batch)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    var results = await WriteAsync(batch);
                    for (var i = 0; i < batch.Count; i++)
                    {
                        batch[i].Done.TrySetResult(results[i]);
                    }

                    return;
                }
                catch (Exception ex) when (attempt < MaxAttempts && IsTransient(ex) && !OnlyHolds(batch))
                {
                    // Keep trying through a database outage of about a minute: a charge is never dropped lightly.
                    // (A hold is not retried: its client is waiting, and a refusal it can retry is the better answer.)
                    _logger.LogWarning(ex, "Writing the ledger of key {KeyId} failed on attempt {Attempt}; retrying", _keyId, attempt);
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 50 * attempt * attempt)));
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

        private static bool OnlyHolds(List<Pending> batch) => batch.TrueForAll(p => p.Command is Command.Hold);

        private async Task<object?[]> WriteAsync(List<Pending> batch)
        {
            await using var session = _store.LightweightSession();
            if (!OnlyHolds(batch))
            {
                // This batch may append events (a charge, an expiry); holds alone do not, and need not wait for a
                // rebuild's switch.
                await session.BeginAppendAsync();
            }

            var stream = await session.Events.FetchForExclusiveWriting<KeyLedger>(_keyId);
            var ledger = stream.Aggregate;

            // The holds are read only when a decision needs them; a batch of charges just deletes its own.
            var holds = batch.Exists(p => p.Command is not Command.Record)
                ? (await session.QueryAsync(new OpenHoldsOfKey { KeyId = _keyId })).ToDictionary(h => h.Id)
                : null;
            var recordIds = batch.Select(p => p.Command).OfType<Command.Record>().Select(r => r.Usage.RequestId).Distinct().ToArray();
            var charged = recordIds.Length == 0
                ? []
                : (await session.LoadManyAsync<UsageReceipt>(recordIds)).Select(r => r.Id).ToHashSet();

            // A copy, charged as the batch goes, so that each hold reads the spend of its own period.
            var current = ledger?.Copy();
            var window = ledger is { Rpm: not null } or { Tpm: not null } && batch.Exists(p => p.Command is Command.Hold or Command.Record)
                ? await session.LoadAsync<KeyRateWindow>(_keyId) ?? KeyRateWindow.Full(_keyId)
                : null;
            window?.ResetUnlimited(ledger!.Rpm, ledger.Tpm);
            var reserved = holds?.Values.Sum(h => h.AmountUsd) ?? 0m;
            var changed = false;
            var results = new object?[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                switch (batch[i].Command)
                {
                    case Command.Hold { Value: var hold }:
                        var known = ledger is { Disabled: false };
                        var spent = current?.SpentInPeriod(hold.At) ?? 0m;
                        var again = known && holds!.ContainsKey(hold.Id);
                        var limited = known && !again ? KeyLimitDecision.Decide(current!, window, holds!.Count, hold.At) : null;
                        var fits = again || (known && limited is null && spent + reserved + hold.AmountUsd <= ledger!.BudgetUsd);
                        RateLimitState? rates = null;
                        if (fits && holds!.TryAdd(hold.Id, hold))
                        {
                            session.Store(hold);
                            reserved += hold.AmountUsd;
                            if (window is not null && ledger!.Rpm is { } rpm)
                            {
                                window.TakeRequest(rpm, hold.At);
                                session.Store(window);
                            }

                            rates = KeyLimitDecision.State(current!, window, hold.At);
                            changed = true;
                        }

                        results[i] = new HoldResult(fits, known, ledger?.BudgetUsd ?? 0m, spent, reserved, limited, rates);
                        break;

                    case Command.Record { Usage: var usage }:
                        if (!charged.Add(usage.RequestId))
                        {
                            results[i] = false;
                            break;
                        }

                        stream.AppendOne(usage);
                        session.Store(new UsageReceipt { Id = usage.RequestId, KeyId = usage.KeyId, CostUsd = usage.CostUsd, At = usage.At });
                        session.Delete<BudgetHold>(usage.RequestId);
                        current?.Apply(usage);
                        if (window is not null && ledger!.Tpm is { } tpm)
                        {
                            window.TakeTokens(tpm, usage.InputTokens + usage.CacheCreationTokens + usage.OutputTokens, usage.At);
                            session.Store(window);
                        }

                        if (holds is not null && holds.Remove(usage.RequestId, out var settled))
                        {
                            reserved -= settled.AmountUsd;
                        }

                        changed = true;
                        results[i] = true;
                        break;

                    case Command.Release { Event: var release }:
                        if (holds!.Remove(release.RequestId, out var released))
                        {
                            session.Delete<BudgetHold>(release.RequestId);
                            stream.AppendOne(release with { AmountUsd = released.AmountUsd, HeldAt = released.At });
                            reserved -= released.AmountUsd;
                            changed = true;
                        }

                        break;

                    case Command.Expire { RequestId: var requestId, Now: var now }:
                        var expired = holds!.TryGetValue(requestId, out var stale) && stale.ExpiresAt <= now;
                        if (expired)
                        {
                            holds.Remove(requestId);
                            session.Delete<BudgetHold>(requestId);
                            stream.AppendOne(new BudgetHoldExpired(requestId, _keyId, stale!.AmountUsd, stale.At, now));
                            reserved -= stale.AmountUsd;
                            changed = true;
                        }

                        results[i] = expired;
                        break;
                }
            }

            if (changed)
            {
                await session.SaveChangesAsync();
            }

            return results;
        }
    }
}
