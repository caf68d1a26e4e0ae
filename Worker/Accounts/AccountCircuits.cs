using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace OrProject.Worker.Accounts;

/// <summary>
/// This worker's count of each account's outcomes, to judge its health over requests rather than by one answer. A
/// server error, timeout or failed connection counts against the account; the circuit opens after
/// <see cref="PoolOptions.CircuitConsecutiveFailures"/> of them in a row, or when the failed share of the calls in the
/// last <see cref="PoolOptions.CircuitWindowSeconds"/> reaches <see cref="PoolOptions.CircuitFailureRatio"/>. Opening
/// itself is written as an event by <see cref="AccountHealthRecorder"/>: the open and half-open states live in the
/// account's projection, where every worker and the admin panel see them; only the counting and the one probe in
/// flight are this worker's own.
/// </summary>
internal sealed class AccountCircuits(TimeProvider clock, IOptions<PoolOptions> options)
{
    // Enough calls to judge a rate; older ones fall out of the window anyway.
    private const int MaxRemembered = 1000;

    private readonly ConcurrentDictionary<string, Circuit> _circuits = new();

    /// <summary>Counts a failure; returns why the circuit opens now, or null while it stays closed.</summary>
    public string? Failed(string accountId) => Get(accountId).Record(failed: true, clock.GetUtcNow(), options.Value);

    public void Succeeded(string accountId) => Get(accountId).Record(failed: false, clock.GetUtcNow(), options.Value);

    /// <summary>
    /// Claims the account's one probe in this worker (its circuit is half-open): null when a probe is already in
    /// flight. Disposing the handle frees the slot, whatever the probe's outcome.
    /// </summary>
    public IDisposable? TryProbe(string accountId) => Get(accountId).TryProbe();

    public bool Probing(string accountId) => _circuits.TryGetValue(accountId, out var circuit) && circuit.ProbeInFlight;

    private Circuit Get(string accountId) => _circuits.GetOrAdd(accountId, _ => new Circuit());

    private sealed class Circuit
    {
        private readonly Lock _lock = new();
        private readonly Queue<(DateTimeOffset At, bool Failed)> _window = new();
        private int _consecutive;
        private int _failedInWindow;
        private int _probe;

        public bool ProbeInFlight => Volatile.Read(ref _probe) == 1;

        public string? Record(bool failed, DateTimeOffset now, PoolOptions options)
        {
            lock (_lock)
            {
                _consecutive = failed ? _consecutive + 1 : 0;
                _window.Enqueue((now, failed));
                _failedInWindow += failed ? 1 : 0;
                var start = now - TimeSpan.FromSeconds(options.CircuitWindowSeconds);
                while (_window.Count > 0 && (_window.Peek().At <= start || _window.Count > MaxRemembered))
                {
                    _failedInWindow -= _window.Dequeue().Failed ? 1 : 0;
                }

                if (!failed)
                {
                    return null;
                }

                string? reason = null;
                if (_consecutive >= Math.Max(1, options.CircuitConsecutiveFailures))
                {
                    reason = $"circuit open: {_consecutive} consecutive failures";
                }
                else if (_window.Count >= Math.Max(1, options.CircuitMinimumCalls) && _failedInWindow >= options.CircuitFailureRatio * _window.Count)
                {
                    reason = $"circuit open: {_failedInWindow} of {_window.Count} calls failed in {options.CircuitWindowSeconds} s";
                }

                if (reason is not null)
                {
                    // Counting starts afresh: after the break, the probe decides, and later calls are judged anew.
                    _consecutive = 0;
                    _failedInWindow = 0;
                    _window.Clear();
                }

                return reason;
            }
        }

        public IDisposable? TryProbe() => Interlocked.CompareExchange(ref _probe, 1, 0) == 0 ? new ProbeSlot(this) : null;

        private sealed class ProbeSlot(Circuit circuit) : IDisposable
        {
            private int _disposed;

            public void Dispose()
            {
                if (Interlocked.Exchange(ref _disposed, 1) == 0)
                {
                    Volatile.Write(ref circuit._probe, 0);
                }
            }
        }
    }
}
