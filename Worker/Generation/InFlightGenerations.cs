using System.Collections.Concurrent;

namespace OrProject.Worker.Generation;

/// <summary>The generations running in this worker, so a <c>CancelGeneration</c> can reach the right one.</summary>
internal sealed class InFlightGenerations
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _running = new();

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
}
