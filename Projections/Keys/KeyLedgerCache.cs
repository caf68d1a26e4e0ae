using System.Collections.Concurrent;
using Marten;

namespace OrProject.Projections.Keys;

/// <summary>
/// A key's ledger as admission sees it: the row last read, plus what this instance saw charged since in the budget
/// period that began at <see cref="PeriodStart"/>.
/// </summary>
public sealed record AdmissionView(KeyLedger Ledger, decimal SpentUsd, DateTimeOffset PeriodStart)
{
    /// <summary>The spend of the period holding <paramref name="now"/>: a new period, begun since the read, has its own.</summary>
    public decimal SpentAt(DateTimeOffset now) => Ledger.PeriodStartAt(now) == PeriodStart ? SpentUsd : Ledger.SpentInPeriod(now);

    public bool BudgetSpentAt(DateTimeOffset now) => SpentAt(now) >= Ledger.BudgetUsd;
}

/// <summary>
/// Admission's reads of <see cref="KeyLedger"/> by key hash, kept for <see cref="Freshness"/> (half a second by default,
/// <c>Keys:AdmissionCacheMilliseconds</c>; 0 reads every time) so that a hot key costs one database read per interval
/// instead of one per request; concurrent misses share one read. Staleness is bounded and never lets a key run past its
/// budget on this instance's own traffic: the edge adds the price of each generation it sees complete, and the first
/// one that reaches the budget drops the entry, so the next request reads the committed spend (the edge commits the
/// charge a completion carries before the answer ends; a worker of an older version committed it before reporting
/// completion). Admin changes made here drop the entry at once; spend through other edges,
/// and admin changes made on another instance, are seen within <see cref="Freshness"/>. The budget cap does not rest
/// on this view: it is the hold taken under the key's lock (<see cref="KeyLedgerWriter"/>).
/// Unknown hashes are remembered as unknown for <see cref="UnknownFor"/> (<c>Keys:UnknownKeyCacheSeconds</c>, 30),
/// so a client retrying a wrong key costs the database nothing; a key is issued with a hash nobody can have tried.
/// </summary>
public sealed class KeyLedgerCache(IDocumentStore store, TimeProvider clock, TimeSpan freshness, TimeSpan unknownFor)
{
    private const int MaxUnknown = 100_000;
    private readonly ConcurrentDictionary<string, long> _unknown = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Entry> _byHash = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _hashById = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<Entry?>>> _loading = new(StringComparer.Ordinal);

    public TimeSpan Freshness { get; } = freshness;

    public TimeSpan UnknownFor { get; } = unknownFor;

    /// <summary>Whether this hash is answered from memory (a known key, or one known not to exist).</summary>
    public bool IsCached(string keyHash) =>
        (_byHash.TryGetValue(keyHash, out var cached) && clock.GetElapsedTime(cached.LoadedAt) < Freshness) ||
        (_unknown.TryGetValue(keyHash, out var missedAt) && clock.GetElapsedTime(missedAt) < UnknownFor);

    public async ValueTask<AdmissionView?> FindAsync(string keyHash, CancellationToken cancellationToken)
    {
        if (_byHash.TryGetValue(keyHash, out var cached) && clock.GetElapsedTime(cached.LoadedAt) < Freshness)
        {
            return cached.View;
        }

        if (_unknown.TryGetValue(keyHash, out var missedAt) && clock.GetElapsedTime(missedAt) < UnknownFor)
        {
            return null;
        }

        var load = _loading.GetOrAdd(keyHash, hash => new Lazy<Task<Entry?>>(() => LoadAsync(hash)));
        try
        {
            return (await load.Value.WaitAsync(cancellationToken))?.View;
        }
        finally
        {
            _loading.TryRemove(KeyValuePair.Create(keyHash, load));
        }
    }

    /// <summary>A generation on the key completed and was charged <paramref name="costUsd"/> (as this instance prices it).</summary>
    public void Charged(string keyId, decimal costUsd)
    {
        if (!_hashById.TryGetValue(keyId, out var hash) || !_byHash.TryGetValue(hash, out var entry))
        {
            return;
        }

        if (!entry.Add(costUsd))
        {
            Forget(keyId); // at or past the budget by this estimate: the next admission reads the committed spend
        }
    }

    /// <summary>The key changed in a way this instance cannot price (an admin change, a cut-short charge): read it again.</summary>
    public void Forget(string keyId)
    {
        if (_hashById.TryGetValue(keyId, out var hash))
        {
            _byHash.TryRemove(hash, out _);
        }
    }

    /// <summary>
    /// Every view was just replaced (a rebuild switched in): forget what was read of the old ones, known keys and
    /// unknown hashes alike, so a key the rebuild repaired is admitted at once rather than after the unknown-key memory.
    /// </summary>
    public void ForgetAll()
    {
        _byHash.Clear();
        _unknown.Clear();
    }

    private async Task<Entry?> LoadAsync(string keyHash)
    {
        // Shared by every request waiting on this key, so no single request's cancellation may stop it.
        await using var session = store.QuerySession();
        var ledger = await session.Query<KeyLedger>().FirstOrDefaultAsync(x => x.KeyHash == keyHash, CancellationToken.None);
        if (ledger is null)
        {
            _byHash.TryRemove(keyHash, out _);
            if (UnknownFor > TimeSpan.Zero)
            {
                if (_unknown.Count >= MaxUnknown)
                {
                    _unknown.Clear(); // a flood of distinct guesses: start over rather than grow without bound
                }

                _unknown[keyHash] = clock.GetTimestamp();
            }

            return null;
        }

        var entry = new Entry(ledger, clock.GetTimestamp(), clock.GetUtcNow());
        if (Freshness > TimeSpan.Zero)
        {
            _hashById[ledger.Id] = keyHash;
            _byHash[keyHash] = entry;
        }

        return entry;
    }

    private sealed class Entry(KeyLedger ledger, long loadedAt, DateTimeOffset now)
    {
        private readonly Lock _gate = new();
        private readonly DateTimeOffset _periodStart = ledger.PeriodStartAt(now);
        private decimal _spent = ledger.SpentInPeriod(now);

        public long LoadedAt { get; } = loadedAt;

        public AdmissionView View
        {
            get
            {
                lock (_gate)
                {
                    return new AdmissionView(ledger, _spent, _periodStart);
                }
            }
        }

        /// <summary>Adds a charge; false when it brings the key to its budget.</summary>
        public bool Add(decimal costUsd)
        {
            lock (_gate)
            {
                _spent += costUsd;
                return _spent < ledger.BudgetUsd;
            }
        }
    }
}
