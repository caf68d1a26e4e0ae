using Marten;

namespace OrProject.Projections.Settings;

/// <summary>
/// Reads <see cref="GatewaySettings"/> at most once a second per process: settings changes take effect on every
/// instance within a second, without a restart, and the hot path pays one database read per second, not per request.
/// </summary>
public sealed class SettingsReader
{
    private readonly PeriodicReload<GatewaySettings> _settings;

    public SettingsReader(IDocumentStore store, TimeProvider clock) =>
        _settings = new PeriodicReload<GatewaySettings>(async ct =>
        {
            await using var session = store.QuerySession();
            return await session.LoadAsync<GatewaySettings>(GatewaySettings.StreamId, ct) ?? new GatewaySettings();
        }, TimeSpan.FromSeconds(1), clock, new GatewaySettings());

    public ValueTask<GatewaySettings> GetAsync(CancellationToken cancellationToken) => _settings.GetAsync(cancellationToken);

    /// <summary>Forgets the cached copy, so the next read sees a change this instance just made.</summary>
    public void Invalidate() => _settings.Invalidate();
}
