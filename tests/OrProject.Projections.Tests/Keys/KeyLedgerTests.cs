using OrProject.Contracts.Events;
using OrProject.Projections.Keys;

namespace OrProject.Projections.Tests.Keys;

/// <summary>The inline fold admission reads: what a key may still spend.</summary>
public sealed class KeyLedgerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private static KeyLedger Issued(decimal budget = 1m) =>
        KeyLedger.Create(new KeyIssued("key_1", "ci", "hash", "sk-orp-ab", budget, "admin", T0));

    private static UsageRecorded Usage(decimal cost, DateTimeOffset at, long input = 10, long output = 5) =>
        new("req_" + Guid.NewGuid().ToString("N"), "key_1", "claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "acct_1",
            input, output, CacheCreationTokens: 3, CacheReadTokens: 2, cost, "completed", at);

    [Fact]
    public void Create_FromKeyIssued_EnabledWithNothingSpent()
    {
        var ledger = Issued(5m);

        Assert.Equal(("key_1", "hash", "sk-orp-ab", 5m, T0), (ledger.Id, ledger.KeyHash, ledger.Prefix, ledger.BudgetUsd, ledger.CreatedAt));
        Assert.False(ledger.Disabled);
        Assert.Equal(0m, ledger.SpentUsd);
        Assert.Null(ledger.LastUsedAt);
    }

    [Fact]
    public void UsageRecorded_AddsCostTokensAndCounts()
    {
        var ledger = Issued();

        ledger.Apply(Usage(0.25m, T0.AddMinutes(1)));
        ledger.Apply(Usage(0.125m, T0.AddMinutes(2), input: 100, output: 50));

        Assert.Equal(0.375m, ledger.SpentUsd);
        Assert.Equal((2L, 110L, 55L, 6L, 4L), (ledger.Requests, ledger.InputTokens, ledger.OutputTokens, ledger.CacheCreationTokens, ledger.CacheReadTokens));
        Assert.Equal(T0.AddMinutes(2), ledger.LastUsedAt);
    }

    [Fact]
    public void SpendReachesTheBudgetExactly_BudgetSpent()
    {
        var ledger = Issued(1m);
        ledger.Apply(Usage(0.999999m, T0));
        Assert.False(ledger.BudgetSpentAt(T0));

        ledger.Apply(Usage(0.000001m, T0));

        Assert.True(ledger.BudgetSpentAt(T0));
        Assert.Equal(0m, ledger.RemainingAfter(0m, T0));
    }

    [Fact]
    public void Overspent_RemainingNeverNegative()
    {
        // A lost worker's charge is recorded whatever the budget: what is left reads zero, not below.
        var ledger = Issued(1m);
        ledger.Apply(Usage(1.5m, T0));

        Assert.Equal(0m, ledger.RemainingAfter(0m, T0));
        Assert.Equal(0m, ledger.RemainingAfter(0.2m, T0));
    }

    [Fact]
    public void RemainingAfter_SubtractsWhatRequestsInFlightHold()
    {
        var ledger = Issued(1m);
        ledger.Apply(Usage(0.3m, T0));

        Assert.Equal(0.5m, ledger.RemainingAfter(0.2m, T0));
    }

    [Fact]
    public void BudgetRaisedAfterItWasSpent_NoLongerSpent()
    {
        var ledger = Issued(1m);
        ledger.Apply(Usage(1m, T0));

        ledger.Apply(new BudgetChanged("key_1", 1m, 2m, "admin", T0));

        Assert.False(ledger.BudgetSpentAt(T0));
        Assert.Equal(1m, ledger.RemainingAfter(0m, T0));
    }

    [Fact]
    public void DisabledThenEnabled_EnabledAgain()
    {
        var ledger = Issued();

        ledger.Apply(new KeyDisabled("key_1", "admin", T0));
        Assert.True(ledger.Disabled);
        ledger.Apply(new KeyEnabled("key_1", "admin", T0));

        Assert.False(ledger.Disabled);
    }

    [Fact]
    public void Copy_IndependentOfTheOriginal()
    {
        // The admission cache hands out copies and adds charges to its own: they must not leak into each other.
        var ledger = Issued();
        var copy = ledger.Copy();

        copy.Apply(Usage(0.5m, T0));

        Assert.Equal(0m, ledger.SpentUsd);
        Assert.Equal(0.5m, copy.SpentUsd);
    }

    [Fact]
    public void DailyPeriod_ChargesFoldIntoTheDayOfTheirOwnTime_ALateOneForAClosedDayOnlyInTheTotal()
    {
        var ledger = KeyLedger.Create(new KeyIssued("key_1", "ci", "hash", "sk-orp-ab", 1m, "admin", T0, BudgetPeriods.Daily));
        ledger.Apply(Usage(0.4m, T0));
        ledger.Apply(Usage(0.3m, T0.AddDays(1)));
        ledger.Apply(Usage(0.2m, T0.AddHours(1))); // settled late, appended after the next day's charge

        Assert.Equal(0.9m, ledger.SpentUsd);
        Assert.Equal((T0.AddDays(1).Date, 0.3m), (ledger.PeriodStart!.Value.UtcDateTime, ledger.PeriodSpentUsd));
        Assert.Equal(0.3m, ledger.SpentInPeriod(T0.AddDays(1).AddHours(3)));
        Assert.Equal(0m, ledger.SpentInPeriod(T0.AddDays(2)));
        Assert.Equal(new DateTimeOffset(2026, 11, 29, 0, 0, 0, TimeSpan.Zero), ledger.PeriodStartAt(T0.AddDays(2)));
    }

    [Fact]
    public void KeyIssuedWithoutTheLaterFields_TotalBudgetAndNoLimits()
    {
        var ledger = Issued();

        Assert.Equal((BudgetPeriods.Total, T0, KeyLimits.None.Rpm), (ledger.BudgetPeriod, ledger.PeriodStartAt(T0.AddDays(40)), ledger.Rpm));
        Assert.False(ledger.HasRateLimits());
        Assert.True(ledger.Allows("any-model"));
        Assert.False(ledger.IsExpired(DateTimeOffset.MaxValue));
    }

    [Fact]
    public void KeyLimitsChanged_ReplacesEveryLimit()
    {
        var ledger = KeyLedger.Create(new KeyIssued("key_1", "ci", "hash", "sk-orp-ab", 1m, "admin", T0, Rpm: 60, Models: ["claude-sonnet-4-5"]));
        Assert.False(ledger.Allows("claude-opus-4-1"));

        ledger.Apply(new KeyLimitsChanged("key_1", ledger.CurrentLimits(), new KeyLimits(T0.AddDays(1), null, null, 1000, 2), "admin", T0));

        Assert.Equal((null, 1000, 2), (ledger.Rpm, ledger.Tpm, ledger.MaxConcurrency));
        Assert.True(ledger.Allows("claude-opus-4-1"));
        Assert.False(ledger.IsExpired(T0.AddHours(23)));
        Assert.True(ledger.IsExpired(T0.AddDays(1)));
    }
}
