using System.Linq.Expressions;
using Marten;
using Marten.Linq;

namespace OrProject.Projections.Keys;

/// <summary>
/// A key's open holds, as a compiled query: the ledger writer reads them on every admission, and Marten translates a
/// LINQ query anew on every call; compiled, it is planned once per process.
/// </summary>
public sealed class OpenHoldsOfKey : ICompiledListQuery<BudgetHold>
{
    public string KeyId { get; set; } = "";

    public Expression<Func<IMartenQueryable<BudgetHold>, IEnumerable<BudgetHold>>> QueryIs() =>
        holds => holds.Where(h => h.KeyId == KeyId);
}

/// <summary>The open holds of several keys at once, for a ledger batch that decides for all of them.</summary>
public sealed class OpenHoldsOfKeys : ICompiledListQuery<BudgetHold>
{
    public string[] KeyIds { get; set; } = [];

    public Expression<Func<IMartenQueryable<BudgetHold>, IEnumerable<BudgetHold>>> QueryIs() =>
        holds => holds.Where(h => h.KeyId.IsOneOf(KeyIds));
}
