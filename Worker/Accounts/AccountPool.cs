using System.Collections.Concurrent;
using Marten;
using OrProject.Projections.Accounts;
using OrProject.Projections;
using OrProject.Worker.Upstreams;

namespace OrProject.Worker.Accounts;

/// <summary>
/// The upstream accounts this worker may use, read from their projection and refreshed often, so that admin changes
/// and other workers' cooldowns reach a running worker without a restart. <see cref="AccountSelector"/> orders the
/// candidates for one request.
/// </summary>
internal sealed class AccountPool(IDocumentStore store, SecretProtector secrets, AccountCircuits circuits, TimeProvider clock,
    Microsoft.Extensions.Options.IOptions<PoolOptions> options)
{
    private readonly AccountSelector _selector = new();
    private readonly ConcurrentDictionary<string, int> _inFlight = new();
    private readonly ConcurrentDictionary<string, (DateTimeOffset Until, long Version)> _coolingUntil = new();
    // Decrypted keys by their ciphertext: an account's version moves with every cooldown and restore, its key does not.
    private readonly ConcurrentDictionary<string, string> _keys = new();
    private readonly PeriodicReload<IReadOnlyList<UpstreamAccount>> _accounts = new(async ct =>
    {
        await using var session = store.QuerySession();
        return await session.Query<UpstreamAccount>().ToListAsync(ct);
    }, TimeSpan.FromMilliseconds(options.Value.RefreshMilliseconds), clock, []);

    /// <summary>
    /// The accounts to try for one request, in order; empty only when no enabled account serves the model. Each call
    /// without a hint advances the round-robin when an account has a free slot: call it once per request.
    /// </summary>
    public async Task<IReadOnlyList<UpstreamAccount>> CandidatesAsync(string model, string? affinity, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var serving = (await AllAsync(cancellationToken)).Where(a => !a.Disabled && a.Serves(model)).ToList();
        return _selector.Order(serving, affinity, a => InRotation(a, now), HasCapacity, a => _inFlight.GetValueOrDefault(a.Id),
            a => a.LastResortAt(now));
    }

    /// <summary>
    /// Active, or half-open with no probe of this worker's in flight (the request becomes the probe), and not cooling
    /// by this worker's own mark.
    /// </summary>
    private bool InRotation(UpstreamAccount account, DateTimeOffset now) =>
        account.StatusAt(now) switch
        {
            AccountStatus.Active => true,
            AccountStatus.Probing => !circuits.Probing(account.Id),
            _ => false,
        } && !CoolingHere(account, now);

    public async Task<IReadOnlyList<UpstreamAccount>> AllAsync(CancellationToken cancellationToken) =>
        await _accounts.GetAsync(cancellationToken);

    public bool HasCapacity(UpstreamAccount account) =>
        account.MaxConcurrency <= 0 || _inFlight.GetValueOrDefault(account.Id) < account.MaxConcurrency;

    public UpstreamTarget Target(UpstreamAccount account)
    {
        var key = account.Kind == AccountKinds.Simulator
            ? ""
            : _keys.GetOrAdd(account.ProtectedApiKey, secrets.Unprotect);
        return new UpstreamTarget(account.Id, account.BaseUrl, key);
    }

    /// <summary>
    /// Takes the account out of this worker's rotation at once, before the cooldown event is projected. Once the
    /// projection has moved past the version seen here, it is the authority again (an admin may have restored it).
    /// </summary>
    public void MarkCooling(UpstreamAccount account, DateTimeOffset until) => _coolingUntil[account.Id] = (until, account.Version);

    /// <summary>Forces the next read to go to the database (after this worker changed an account).</summary>
    public void Invalidate() => _accounts.Invalidate();

    /// <summary>Counts a call in flight on the account until the returned handle is disposed.</summary>
    public IDisposable Enter(UpstreamAccount account)
    {
        _inFlight.AddOrUpdate(account.Id, 1, (_, n) => n + 1);
        return new Lease(this, account.Id);
    }

    private bool CoolingHere(UpstreamAccount account, DateTimeOffset now) =>
        _coolingUntil.TryGetValue(account.Id, out var mark) && mark.Until > now && account.Version <= mark.Version;

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
