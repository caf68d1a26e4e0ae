using System.Collections.Concurrent;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Marten;
using OrProject.Projections.Accounts;
using OrProject.Projections;
using OrProject.Worker.Upstreams;

namespace OrProject.Worker.Accounts;

/// <summary>
/// The upstream accounts this worker may use, read from their projection and refreshed often and other workers' cooldowns reach a running worker without a restart. Orders the candidates for one
/// request: with a conversation hint, by rendezvous hash (the same conversation lands on the same healthy account
/// on every worker, for prompt-cache hits); otherwise least in flight per unit of weight.
/// </summary>
internal sealed class AccountPool(IDocumentStore store, SecretProtector secrets, TimeProvider clock, Microsoft.Extensions.Options.IOptions<PoolOptions> options)
{
    private readonly ConcurrentDictionary<string, int> _inFlight = new();
    private readonly ConcurrentDictionary<string, (DateTimeOffset Until, long Version)> _coolingUntil = new();
    // Decrypted keys by their ciphertext: an account's version moves with every cooldown and restore, its key does not.
    private readonly ConcurrentDictionary<string, string> _keys = new();
    private readonly PeriodicReload<IReadOnlyList<UpstreamAccount>> _accounts = new(async ct =>
    {
        await using var session = store.QuerySession();
        return await session.Query<UpstreamAccount>().ToListAsync(ct);
    }, TimeSpan.FromMilliseconds(options.Value.RefreshMilliseconds), clock, []);

    public async Task<IReadOnlyList<UpstreamAccount>> CandidatesAsync(string model, string? affinity, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var healthy = (await AllAsync(cancellationToken))
            .Where(a => a.StatusAt(now) == AccountStatus.Active && a.Serves(model) && !CoolingHere(a, now))
            .ToList();
        return affinity is null
            ? [.. healthy.OrderBy(a => (double)_inFlight.GetValueOrDefault(a.Id) / Math.Max(1, a.Weight)).ThenByDescending(a => a.Weight)]
            : [.. healthy.OrderByDescending(a => RendezvousScore(affinity, a))];
    }

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

    /// <summary>Weighted rendezvous hashing: -w / ln(u), with u uniform in (0,1) from a hash of (hint, account).</summary>
    private static double RendezvousScore(string affinity, UpstreamAccount account)
    {
        var hash = BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(affinity + "\n" + account.Id)));
        var unit = (hash + 1.0) / (ulong.MaxValue + 2.0);
        return -Math.Max(1, account.Weight) / Math.Log(unit);
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
