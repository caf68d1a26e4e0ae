using Marten;

namespace OrProject.Projections.Keys;

/// <summary>What keys' requests in flight hold (<see cref="BudgetHold"/>), for the views that show reserved and remaining.</summary>
public static class BudgetHoldQueries
{
    public static async Task<decimal> ReservedAsync(IQuerySession session, string keyId, CancellationToken ct) =>
        (await session.QueryAsync(new OpenHoldsOfKey { KeyId = keyId }, ct)).Sum(h => h.AmountUsd);

    /// <summary>Every key's holds, summed; keys with none are absent.</summary>
    public static async Task<IReadOnlyDictionary<string, decimal>> ReservedByKeyAsync(IQuerySession session, CancellationToken ct) =>
        (await session.Query<BudgetHold>().ToListAsync(ct)).GroupBy(h => h.KeyId).ToDictionary(g => g.Key, g => g.Sum(h => h.AmountUsd));
}
