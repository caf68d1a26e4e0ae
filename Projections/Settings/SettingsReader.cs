using Marten;

namespace OrProject.Projections.Settings;

/// <summary>
/// Reads <see cref="GatewaySettings"/> at most once a second per process: settings changes take effect on every
/// instance within a second, without a restart, and the hot path pays one database read per second, not per request.
/// </summary>
public sealed class SettingsReader(IDocumentStore store, TimeProvider clock)
{
    private static readonly TimeSpan Freshness = TimeSpan.FromSeconds(1);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private GatewaySettings _current = new();
    private DateTimeOffset _loadedAt = DateTimeOffset.MinValue;

    public async ValueTask<GatewaySettings> GetAsync(CancellationToken cancellationToken)
    {
        if (clock.GetUtcNow() - _loadedAt < Freshness)
        {
            return _current;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = clock.GetUtcNow();
            if (now - _loadedAt >= Freshness)
            {
                await using var session = store.QuerySession();
                _current = await session.LoadAsync<GatewaySettings>(GatewaySettings.StreamId, cancellationToken) ?? new GatewaySettings();
                _loadedAt = now;
            }

            return _current;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Forgets the cached copy, so the next read sees a change this instance just made.</summary>
    public void Invalidate() => _loadedAt = DateTimeOffset.MinValue;
}
