using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using OrProject.Projections.Accounts;

namespace OrProject.Worker.Accounts;

/// <summary>
/// Orders the accounts that could serve one request. Without a conversation hint, smooth weighted round-robin (as in
/// nginx) picks the first among those in rotation with a free slot, so consecutive requests spread in proportion to
/// the weights at any concurrency (ordering by load alone sent every request of a quiet pool to one account); the
/// rest follow, least loaded first, for failover. With a hint, weighted rendezvous hashing keeps a conversation on
/// one account (prompt-cache hits) while it is in rotation, and moves it when that one is taken out. With none in
/// rotation, the least recently failed account is still tried rather than refusing outright, unless the upstream
/// told it to wait (a 429's cooldown is waited out).
/// </summary>
internal sealed class AccountSelector
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, long> _current = [];

    /// <param name="serving">Accounts enabled and serving the model.</param>
    /// <param name="affinity">The conversation hint, if any.</param>
    /// <param name="inRotation">Whether an account may take requests now (not cooling, circuit not open).</param>
    /// <param name="hasCapacity">Whether an account is below its concurrency limit in this worker.</param>
    /// <param name="load">Calls in flight on the account in this worker.</param>
    /// <param name="lastResort">Whether an account out of rotation may still be tried when none is in it (not one a 429 told to wait).</param>
    public IReadOnlyList<UpstreamAccount> Order(IReadOnlyList<UpstreamAccount> serving, string? affinity,
        Func<UpstreamAccount, bool> inRotation, Func<UpstreamAccount, bool> hasCapacity, Func<UpstreamAccount, int> load,
        Func<UpstreamAccount, bool>? lastResort = null)
    {
        // Sorted by id: the round-robin's ties, and so its sequence, must not depend on the order the database returned.
        var healthy = serving.Where(inRotation).OrderBy(a => a.Id, StringComparer.Ordinal).ToList();
        if (healthy.Count == 0)
        {
            return [.. serving.Where(lastResort ?? (_ => true)).OrderBy(a => a.LastFailureAt ?? DateTimeOffset.MinValue).ThenBy(a => a.Id, StringComparer.Ordinal).Take(1)];
        }

        if (affinity is not null)
        {
            return [.. healthy.OrderByDescending(a => RendezvousScore(affinity, a))];
        }

        var first = Next(healthy.Where(hasCapacity).ToList());
        var rest = healthy.Where(a => a != first).OrderBy(a => (double)load(a) / Weight(a)).ThenByDescending(Weight);
        return first is null ? [.. rest] : [first, .. rest];
    }

    /// <summary>
    /// Smooth weighted round-robin: every eligible account gains its weight, the highest is picked and loses the total.
    /// Weights 1:2 give a, b, b, a, b, b…; equal weights take turns.
    /// </summary>
    private UpstreamAccount? Next(List<UpstreamAccount> eligible)
    {
        if (eligible.Count == 0)
        {
            return null; // all at their limit: the caller waits for a slot and asks again
        }

        lock (_lock)
        {
            UpstreamAccount? best = null;
            long bestCurrent = long.MinValue;
            long total = 0;
            foreach (var account in eligible)
            {
                var current = _current.GetValueOrDefault(account.Id) + Weight(account);
                _current[account.Id] = current;
                total += Weight(account);
                if (current > bestCurrent)
                {
                    (best, bestCurrent) = (account, current);
                }
            }

            _current[best!.Id] -= total;
            return best;
        }
    }

    private static int Weight(UpstreamAccount account) => Math.Max(1, account.Weight);

    /// <summary>Weighted rendezvous hashing: -w / ln(u), with u uniform in (0,1) from a hash of (hint, account).</summary>
    private static double RendezvousScore(string affinity, UpstreamAccount account)
    {
        var hash = BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(affinity + "\n" + account.Id)));
        var unit = (hash + 1.0) / (ulong.MaxValue + 2.0);
        return -Weight(account) / Math.Log(unit);
    }
}
