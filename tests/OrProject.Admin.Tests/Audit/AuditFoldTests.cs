using OrProject.Admin.Audit;
using OrProject.Contracts.Events;
using OrProject.Contracts.Pricing;

namespace OrProject.Admin.Tests.Audit;

public sealed class AuditFoldTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void KeyStream_IssueBudgetDisable_EachChangeHasItsBefore()
    {
        var state = AuditFold.Initial("key_1");

        var issued = AuditFold.Apply(state, new KeyIssued("key_1", "ci", "hash", "sk-orp-abcd…", 10m, "admin", At));
        var budget = AuditFold.Apply(state, new BudgetChanged("key_1", 10m, 25.5m, "admin", At));
        var disabled = AuditFold.Apply(state, new KeyDisabled("key_1", "admin", At));
        var again = AuditFold.Apply(state, new KeyDisabled("key_1", "admin", At));

        Assert.Contains(new AuditChange("name", null, "ci"), issued);
        Assert.Contains(new AuditChange("budget", null, "$10.00"), issued);
        Assert.Equal([new AuditChange("budget", "$10.00", "$25.50")], budget);
        Assert.Equal([new AuditChange("status", "enabled", "disabled")], disabled);
        Assert.Empty(again);
    }

    [Fact]
    public void KeyStream_IssuedWithSomeLimitsThenChanged_ShowsOnlyWhatIsSetThenEachChangeWithItsBefore()
    {
        var state = AuditFold.Initial("key_1");

        var issued = AuditFold.Apply(state, new KeyIssued("key_1", "ci", "hash", "sk-orp-abcd…", 10m, "admin", At, BudgetPeriods.Monthly, Rpm: 60));
        var changed = AuditFold.Apply(state, new KeyLimitsChanged("key_1", new KeyLimits(null, null, 60, null, null),
            new KeyLimits(At.AddDays(30), ["claude-sonnet-4-5"], null, null, 4), "ops", At));

        Assert.Contains(new AuditChange("budget period", null, "monthly"), issued);
        Assert.Contains(new AuditChange("rpm", null, "60"), issued);
        Assert.DoesNotContain(issued, c => c.Field is "tpm" or "models" or "expires" or "max concurrency");
        Assert.Equal(
        [
            new AuditChange("expires", "never", "2026-12-01 12:00:00 UTC"),
            new AuditChange("models", "all", "claude-sonnet-4-5"),
            new AuditChange("rpm", "60", "no limit"),
            new AuditChange("max concurrency", "no limit", "4"),
        ], changed);
        Assert.Equal("ops", AuditFold.Actor(new KeyLimitsChanged("key_1", KeyLimits.None, KeyLimits.None, "ops", At)));
    }

    [Fact]
    public void AccountStream_CooldownThenRestore_RestoreShowsTheCooldownItEnded()
    {
        var state = AuditFold.Initial("acct_1");
        AuditFold.Apply(state, new AccountAdded("acct_1", "main", "anthropic", "https://upstream", "secret", 1, [], "admin", At));
        AuditFold.Apply(state, new AccountCooledDown("acct_1", At.AddMinutes(1), 429, "rate limited", At));

        var restored = AuditFold.Apply(state, new AccountRestored("acct_1", "admin", At));

        Assert.Equal([new AuditChange("cooldown", "until 2026-11-01 12:01:00 UTC", null)], restored);
    }

    [Fact]
    public void SettingsStream_FirstChange_ComparedWithDefaults()
    {
        var state = AuditFold.Initial(AuditFold.SettingsStream);

        var changes = AuditFold.Apply(state, new SettingsChanged("Be brief.", null, new Dictionary<string, string> { ["fast"] = "claude-haiku-4-5" }, "native", "admin", At));

        Assert.Equal(
            [new AuditChange("system prompt", "(none)", "Be brief."), new AuditChange("model aliases", "(none)", "fast → claude-haiku-4-5")],
            changes);
    }

    [Fact]
    public void PriceTable_OneModelChangedOneRemoved_OnlyThoseRowsChange()
    {
        var state = AuditFold.Initial(AuditFold.SettingsStream);
        var prices = PriceCatalog.Default.ToList();
        var changed = prices[0] with { InputUsdPerMTok = prices[0].InputUsdPerMTok + 1 };
        var removed = prices[1];
        prices[0] = changed;
        prices.RemoveAt(1);

        var changes = AuditFold.Apply(state, new PriceTableChanged(prices, "admin", At));

        Assert.Equal(2, changes.Count);
        Assert.Contains(changes, c => c.Field == "price " + changed.Id && c.Before is not null && c.After is not null && c.Before != c.After);
        Assert.Contains(changes, c => c.Field == "price " + removed.Id && c.After is null);
    }

    [Fact]
    public void Actor_EveryListedEventType_NamesItsActor()
    {
        Assert.Equal("admin", AuditFold.Actor(new KeyEnabled("key_1", "admin", At)));
        Assert.Equal("worker-1", AuditFold.Actor(new AccountDisabled("acct_1", "401", "worker-1", At)));
        Assert.Equal("system", AuditFold.Actor(new AccountCooledDown("acct_1", At, 429, "rate limited", At)));
    }
}
