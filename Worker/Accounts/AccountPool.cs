using System.Collections.Concurrent;
using Marten;
using OrProject.Projections.Accounts;
using OrProject.Worker.Upstreams;

namespace OrProject.Worker.Accounts;

/// <summary>
/// The upstream accounts this worker may use, read from their projection and refreshed every second so that
/// admin changes reach a running worker without a restart. Orders candidates by load: least in flight per weight.
/// </summary>
internal sealed class AccountPool(IDocumentStore store, SecretProtector secrets, TimeProvider clock)
{
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<string, int> _inFlight = new();
    private readonly ConcurrentDictionary<(string Id, long Version), string> _keys = new();
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private IReadOnlyList<UpstreamAccount> _accounts = [];
    private DateTimeOffset _loadedAt = DateTimeOffset.MinValue;

    public async Task<IReadOnlyList<UpstreamAccount>> CandidatesAsync(string model, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var accounts = await AccountsAsync(now, cancellationToken);
        return accounts
            .Where(a => a.StatusAt(now) == AccountStatus.Active && a.Serves(model))
            .OrderBy(a => (double)_inFlight.GetValueOrDefault(a.Id) / Math.Max(1, a.Weight))
            .ThenByDescending(a => a.Weight)
            .ToList();
    }

    public UpstreamTarget Target(UpstreamAccount account)
    {
        var key = account.Kind == AccountKinds.Simulator
            ? ""
            : _keys.GetOrAdd((account.Id, account.Version), _ => secrets.Unprotect(account.ProtectedApiKey));
        return new UpstreamTarget(account.Id, account.BaseUrl, key);
    }

    /// <summary>Counts a call in flight on the account until the returned handle is disposed.</summary>
    public IDisposable Enter(UpstreamAccount account)
    {
        _inFlight.AddOrUpdate(account.Id, 1, (_, n) => n + 1);
        return new Lease(this, account.Id);
    }

    private async Task<IReadOnlyList<UpstreamAccount>> AccountsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (now - _loadedAt < RefreshInterval)
        {
            return _accounts;
        }

        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (now - _loadedAt >= RefreshInterval)
            {
                await using var session = store.QuerySession();
                _accounts = await session.Query<UpstreamAccount>().ToListAsync(cancellationToken);
                _loadedAt = now;
            }

            return _accounts;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private sealed class Lease(AccountPool pool, string accountId) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                pool._inFlight.AddOrUpdate(accountId, 0, (_, n) => n - 1);
            }
        }
    }
}
