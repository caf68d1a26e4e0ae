using Marten;
using Marten.Exceptions;
using OrProject.Contracts.Events;
using OrProject.Projections.Keys;

namespace OrProject.Projections.Tests.Rebuild;

/// <summary>
/// The guard that keeps live appends and a rebuild's switch apart: an append that did not take the views lock fails
/// loudly. Also shows that the ledger writer's tests run against a store guarded as in production.
/// </summary>
public sealed class ViewsLockTests(LedgerStoreFixture fixture) : IClassFixture<LedgerStoreFixture>
{
    [Fact]
    public async Task AppendWithoutTheViewsLock_RefusedByTheDatabase()
    {
        var key = await fixture.IssueKeyAsync(1m);
        await using var session = fixture.Store.LightweightSession();
        session.Events.Append(key, new KeyDisabled(key, "test", DateTimeOffset.UtcNow));

        var refused = await Assert.ThrowsAnyAsync<Exception>(() => session.SaveChangesAsync());

        Assert.Contains("appended without the views lock", refused.ToString(), StringComparison.Ordinal);
        await using var query = fixture.Store.QuerySession();
        Assert.False((await query.LoadAsync<KeyLedger>(key))!.Disabled);
    }
}
