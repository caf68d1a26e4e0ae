using System.Collections.Concurrent;

namespace OrProject.Worker.Generation;

/// <summary>
/// The generations running in this worker, so a <c>CancelGeneration</c> can reach the right one; and the requests
/// cancelled before any worker took them, remembered for a while, so that the worker that takes one later gives its
/// budget hold back instead of running it for nobody.
/// </summary>
internal sealed class InFlightGenerations(TimeProvider clock)
{
    private static readonly TimeSpan Remembered = TimeSpan.FromMinutes(2);
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _running = new();
    private readonly ConcurrentDictionary<string, long> _cancelledEarly = new();

    public CancellationTokenSource Register(string requestId, CancellationToken consumerToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(consumerToken);
        _running[requestId] = source;
        return source;
    }

    public void Unregister(string requestId) => _running.TryRemove(requestId, out _);

    public bool Cancel(string requestId)
    {
        if (!_running.TryGetValue(requestId, out var source))
        {
            Remember(requestId);
            return false;
        }

        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Finished between the lookup and the cancel: nothing left to stop.
        }

        return true;
    }

    /// <summary>Whether the client cancelled the request before this worker took it.</summary>
    public bool WasCancelled(string requestId) =>
        _cancelledEarly.TryGetValue(requestId, out var at) && clock.GetElapsedTime(at) < Remembered;

    private void Remember(string requestId)
    {
        var now = clock.GetTimestamp();
        _cancelledEarly[requestId] = now;
        if (_cancelledEarly.Count > 1_000)
        {
            foreach (var (id, at) in _cancelledEarly)
            {
                if (clock.GetElapsedTime(at, now) >= Remembered)
                {
                    _cancelledEarly.TryRemove(id, out _);
                }
            }
        }
    }
}
