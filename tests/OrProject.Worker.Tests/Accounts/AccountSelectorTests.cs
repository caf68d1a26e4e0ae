using OrProject.Projections.Accounts;
using OrProject.Worker.Accounts;

namespace OrProject.Worker.Tests.Accounts;

public sealed class AccountSelectorTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Order_ThirtySequentialRequestsOverThreeEqualAccounts_EachGetsTen()
    {
        var selector = new AccountSelector();
        var pool = new[] { Account("a"), Account("b"), Account("c") };

        var firsts = Pick(selector, pool, 30);

        Assert.All(pool, a => Assert.Equal(10, firsts.Count(id => id == a.Id)));
    }

    [Fact]
    public void Order_WeightsOneToTwo_SpreadOneToTwo()
    {
        var selector = new AccountSelector();
        var pool = new[] { Account("light", weight: 1), Account("heavy", weight: 2) };

        var firsts = Pick(selector, pool, 30);

        Assert.Equal(10, firsts.Count(id => id == "light"));
        Assert.Equal(20, firsts.Count(id => id == "heavy"));
        // Smooth: the heavy account never takes three in a row, the light one never two.
        Assert.DoesNotContain("heavy,heavy,heavy", string.Join(",", firsts), StringComparison.Ordinal);
        Assert.DoesNotContain("light,light", string.Join(",", firsts), StringComparison.Ordinal);
    }

    [Fact]
    public void Order_AccountAtItsLimit_SkippedAndTheOthersShareTheTurns()
    {
        var selector = new AccountSelector();
        var pool = new[] { Account("a"), Account("b"), Account("full") };

        var firsts = Pick(selector, pool, 20, hasCapacity: a => a.Id != "full");

        Assert.DoesNotContain("full", firsts);
        Assert.Equal(10, firsts.Count(id => id == "a"));
        Assert.Equal(10, firsts.Count(id => id == "b"));
    }

    [Fact]
    public void Order_EveryAccountAtItsLimit_ListsThemLeastLoadedFirstWithoutAdvancing()
    {
        var selector = new AccountSelector();
        var pool = new[] { Account("a"), Account("b") };
        var load = new Dictionary<string, int> { ["a"] = 3, ["b"] = 1 };

        var order = selector.Order(pool, null, _ => true, _ => false, a => load[a.Id]);

        Assert.Equal(["b", "a"], order.Select(a => a.Id));
        Assert.Equal(["a", "b", "a", "b"], Pick(selector, pool, 4)); // the turns start where they would have
    }

    [Fact]
    public void Order_FirstChoiceFollowedByTheOthersForFailover()
    {
        var selector = new AccountSelector();
        var pool = new[] { Account("a"), Account("b"), Account("c") };

        var order = selector.Order(pool, null, _ => true, _ => true, _ => 0);

        Assert.Equal(3, order.Count);
        Assert.Equal(3, order.Select(a => a.Id).Distinct().Count());
    }

    [Fact]
    public void Order_WithAffinity_SameAccountEveryTimeAndMovesWhenItIsTakenOut()
    {
        var selector = new AccountSelector();
        var pool = Enumerable.Range(0, 5).Select(i => Account("acct" + i)).ToArray();

        var chosen = Enumerable.Range(0, 10).Select(_ => selector.Order(pool, "conversation-1", _ => true, _ => true, _ => 0)[0].Id).Distinct().ToList();
        var sticky = Assert.Single(chosen);
        var moved = selector.Order(pool, "conversation-1", a => a.Id != sticky, _ => true, _ => 0);

        Assert.DoesNotContain(moved, a => a.Id == sticky);
        Assert.Equal(4, moved.Count);
    }

    [Fact]
    public void Order_NoAccountInRotation_TheLeastRecentlyFailedIsStillTried()
    {
        var selector = new AccountSelector();
        var pool = new[]
        {
            Account("recent", lastFailure: Now.AddSeconds(-1)),
            Account("longest-ago", lastFailure: Now.AddSeconds(-30)),
            Account("middle", lastFailure: Now.AddSeconds(-10)),
        };

        var order = selector.Order(pool, null, _ => false, _ => true, _ => 0);

        Assert.Equal(["longest-ago"], order.Select(a => a.Id));
        Assert.Equal(["longest-ago"], selector.Order(pool, "conversation", _ => false, _ => true, _ => 0).Select(a => a.Id));
    }

    [Fact]
    public void Order_NoAccountInRotation_OneAToldToWaitIsNotALastResort()
    {
        var pool = new[] { Account("rate-limited", lastFailure: Now.AddSeconds(-30)), Account("overloaded", lastFailure: Now.AddSeconds(-1)) };

        var order = new AccountSelector().Order(pool, null, _ => false, _ => true, _ => 0, a => a.Id != "rate-limited");

        Assert.Equal(["overloaded"], order.Select(a => a.Id));
        Assert.Empty(new AccountSelector().Order(pool, null, _ => false, _ => true, _ => 0, _ => false));
    }

    [Fact]
    public void Order_NoAccountServing_Empty()
    {
        Assert.Empty(new AccountSelector().Order([], null, _ => true, _ => true, _ => 0));
    }

    private static List<string> Pick(AccountSelector selector, IReadOnlyList<UpstreamAccount> pool, int requests,
        Func<UpstreamAccount, bool>? hasCapacity = null) =>
        [.. Enumerable.Range(0, requests).Select(_ => selector.Order(pool, null, _ => true, hasCapacity ?? (_ => true), _ => 0)[0].Id)];

    private static UpstreamAccount Account(string id, int weight = 1, DateTimeOffset? lastFailure = null) =>
        new() { Id = id, Name = id, Kind = AccountKinds.Anthropic, Weight = weight, LastFailureAt = lastFailure };
}
