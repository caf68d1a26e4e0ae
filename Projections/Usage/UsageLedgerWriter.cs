using System.Collections.Concurrent;
using System.Threading.Channels;
using JasperFx;
using Marten;
using Npgsql;
using OrProject.Contracts.Events;
using Microsoft.Extensions.Logging;
using OrProject.Projections.Keys;

namespace OrProject.Projections.Usage;

/// <summary>
/// Appends <see cref="UsageRecorded"/> to key streams. Hundreds of requests on one key finish at once, so each key
/// gets a single writer that drains whatever is queued into one transaction under the stream's row lock
/// (<c>FetchForExclusiveWriting</c>): no lost update across worker processes, no optimistic-retry storm on a hot key.
/// A receipt document per request id, written in the same transaction, makes a second charge of a request a no-op.
/// </summary>
public sealed class UsageLedgerWriter(IDocumentStore store, ILogger<UsageLedgerWriter> logger) : IAsyncDisposable
{
    private const int MaxBatch = 256;
    private const int MaxAttempts = 40;
    private readonly ConcurrentDictionary<string, Lazy<KeyWriter>> _writers = new();

    /// <summary>Completes once the usage is committed (true) or was already recorded for that request (false).</summary>
    public Task<bool> RecordAsync(UsageRecorded usage, CancellationToken cancellationToken)
    {
        // Lazy: GetOrAdd may run its factory twice under contention, and a writer owns a running loop.
        var writer = _writers.GetOrAdd(usage.KeyId, key => new Lazy<KeyWriter>(() => new KeyWriter(key, store, logger))).Value;
        return writer.EnqueueAsync(usage, cancellationToken);
    }

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

    private sealed record Pending(UsageRecorded Usage, TaskCompletionSource<bool> Done);

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

        public Task<bool> EnqueueAsync(UsageRecorded usage, CancellationToken cancellationToken)
        {
            var pending = new Pending(usage, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
            if (!_queue.Writer.TryWrite(pending))
            {
                throw new InvalidOperationException("The usage writer is shut down.");
            }

            // The charge is committed even if the caller stops waiting: cancellation only ends the wait.
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
                catch (Exception ex) when (attempt < MaxAttempts && IsTransient(ex))
                {
                    // Keep trying through a database outage of about a minute: a charge is never dropped lightly.
                    _logger.LogWarning(ex, "Recording usage for key {KeyId} failed on attempt {Attempt}; retrying", _keyId, attempt);
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

        private async Task<bool[]> WriteAsync(List<Pending> batch)
        {
            await using var session = _store.LightweightSession();
            var stream = await session.Events.FetchForExclusiveWriting<KeyLedger>(_keyId);
            var ids = batch.Select(p => p.Usage.RequestId).Distinct().ToArray();
            var seen = (await session.LoadManyAsync<UsageReceipt>(ids)).Select(r => r.Id).ToHashSet();
            var results = new bool[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                var usage = batch[i].Usage;
                if (!seen.Add(usage.RequestId))
                {
                    continue;
                }

                stream.AppendOne(usage);
                session.Store(new UsageReceipt { Id = usage.RequestId, KeyId = usage.KeyId, CostUsd = usage.CostUsd, At = usage.At });
                results[i] = true;
            }

            if (results.Any(r => r))
            {
                await session.SaveChangesAsync();
            }

            return results;
        }
    }
}
