namespace OrProject.Projections;

/// <summary>
/// A value read from the database at most once per <c>freshness</c> per process, however many callers ask: the hot
/// path pays one read per interval, and a change made elsewhere is seen within it. Concurrent callers of a stale
/// value wait for one load.
/// </summary>
public sealed class PeriodicReload<T>(Func<CancellationToken, Task<T>> load, TimeSpan freshness, TimeProvider clock, T initial)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private T _current = initial;
    private DateTimeOffset _loadedAt = DateTimeOffset.MinValue;

    public async ValueTask<T> GetAsync(CancellationToken cancellationToken)
    {
        if (clock.GetUtcNow() - _loadedAt < freshness)
        {
            return _current;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = clock.GetUtcNow();
            if (now - _loadedAt >= freshness)
            {
                _current = await load(cancellationToken);
                _loadedAt = now;
            }

            return _current;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Forgets the cached value, so the next read sees a change this instance just made.</summary>
    public void Invalidate() => _loadedAt = DateTimeOffset.MinValue;
}
