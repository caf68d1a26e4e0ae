using Marten;
using Microsoft.Extensions.Time.Testing;
using OrProject.Contracts.Events;
using OrProject.Projections.Keys;
using OrProject.Projections.Rebuild;

namespace OrProject.Projections.Tests.Keys;

/// <summary>
/// A key's limits as the ledger writer decides them under the key's lock, against real PostgreSQL, on a controlled
/// clock (the edge's time reaches the writer as the hold's time; a charge's as the usage's): concurrency as the count
/// of open holds, rpm and tpm as buckets, and a daily or monthly budget that renews at the UTC boundary.
/// </summary>
public sealed class KeyLimitsWriterTests(LedgerStoreFixture fixture) : IClassFixture<LedgerStoreFixture>
{
    private FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 30, 23, 59, 0, TimeSpan.Zero));

    private BudgetHold Hold(string keyId, decimal amount = 0.01m) => new()
    {
        Id = "req_" + Guid.NewGuid().ToString("N"),
        KeyId = keyId,
        AmountUsd = amount,
        At = _clock.GetUtcNow(),
        ExpiresAt = _clock.GetUtcNow().AddMinutes(5),
    };

    private UsageRecorded Usage(string keyId, string requestId, decimal cost, long input = 100, long output = 10, long cacheRead = 0) =>
        new(requestId, keyId, "claude-sonnet-4-5", "claude-sonnet-4-5", "acct_1", input, output, 0, cacheRead, cost, "completed", _clock.GetUtcNow());

    private Task<string> IssueAsync(decimal budget, int? rpm = null, int? tpm = null, int? maxConcurrency = null, string period = BudgetPeriods.Total) =>
        fixture.IssueKeyAsync(budget, shape: e => e with { BudgetPeriod = period, Rpm = rpm, Tpm = tpm, MaxConcurrency = maxConcurrency, At = _clock.GetUtcNow() });

    private async Task<int> OpenHoldsAsync(string keyId)
    {
        await using var session = fixture.Store.QuerySession();
        return await session.Query<BudgetHold>().CountAsync(h => h.KeyId == keyId);
    }

    [Fact]
    public async Task MaxConcurrency_AsManyHoldsAsAllowed_NextRefusedUntilOneIsCharged()
    {
        var key = await IssueAsync(10m, maxConcurrency: 2);
        var first = Hold(key);
        Assert.True((await fixture.Writer.HoldAsync(first, default)).Held);
        Assert.True((await fixture.Writer.HoldAsync(Hold(key), default)).Held);

        var refused = await fixture.Writer.HoldAsync(Hold(key), default);

        Assert.False(refused.Held);
        Assert.Equal((LimitKind.Concurrency, 2, TimeSpan.FromSeconds(1)), (refused.Limited!.Kind, refused.Limited.Limit, refused.Limited.RetryAfter));
        Assert.Equal(2, await OpenHoldsAsync(key));

        await fixture.Writer.RecordAsync(Usage(key, first.Id, 0.001m), default);
        Assert.True((await fixture.Writer.HoldAsync(Hold(key), default)).Held);
    }

    [Fact]
    public async Task Rpm_BurstOfTheMinute_ThenRefusedUntilTheBucketRefills()
    {
        var key = await IssueAsync(10m, rpm: 2);
        Assert.True((await fixture.Writer.HoldAsync(Hold(key), default)).Held);
        Assert.True((await fixture.Writer.HoldAsync(Hold(key), default)).Held);

        var refused = await fixture.Writer.HoldAsync(Hold(key), default);

        Assert.False(refused.Held);
        var limited = refused.Limited!;
        Assert.Equal((LimitKind.Requests, 2), (limited.Kind, limited.Limit));
        Assert.Equal(TimeSpan.FromSeconds(30), limited.RetryAfter); // one request refills in 60 s / 2
        Assert.Equal((2, 0L), (limited.State.Rpm, limited.State.RequestsRemaining));
        Assert.Equal(_clock.GetUtcNow().AddMinutes(1), limited.State.RequestsResetAt); // both requests back
        Assert.Equal(2, await OpenHoldsAsync(key)); // the refused request holds nothing

        _clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(LimitKind.Requests, (await fixture.Writer.HoldAsync(Hold(key), default)).Limited?.Kind);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True((await fixture.Writer.HoldAsync(Hold(key), default)).Held);
    }

    [Fact]
    public async Task Rpm_RefusedByTheBudget_TakesNoRequestFromTheBucket()
    {
        var key = await IssueAsync(0.05m, rpm: 1);

        var unaffordable = await fixture.Writer.HoldAsync(Hold(key, 1m), default);
        var affordable = await fixture.Writer.HoldAsync(Hold(key, 0.01m), default);

        Assert.Equal((false, null), (unaffordable.Held, unaffordable.Limited));
        Assert.True(affordable.Held);
    }

    [Fact]
    public async Task Tpm_CountsInputCacheWritesAndOutputAsCharged_RefusesOnceUsedUpUntilRefilled()
    {
        var key = await IssueAsync(10m, tpm: 1000);
        var first = Hold(key);
        Assert.True((await fixture.Writer.HoldAsync(first, default)).Held);
        Assert.True((await fixture.Writer.HoldAsync(Hold(key), default)).Held); // tokens count when charged, not before

        // 900 input + 200 output = 1,100: 100 past the minute's 1,000; cache reads do not count.
        await fixture.Writer.RecordAsync(Usage(key, first.Id, 0.01m, input: 900, output: 200, cacheRead: 50_000), default);
        var refused = await fixture.Writer.HoldAsync(Hold(key), default);

        Assert.Equal((LimitKind.Tokens, 1000, 0L), (refused.Limited!.Kind, refused.Limited.Limit, refused.Limited.State.TokensRemaining));
        Assert.Equal(TimeSpan.FromMinutes(101 / 1000d), refused.Limited.RetryAfter); // back above zero: 101 tokens' refill
        _clock.Advance(TimeSpan.FromSeconds(7));
        Assert.True((await fixture.Writer.HoldAsync(Hold(key), default)).Held);
    }

    [Fact]
    public async Task LimitsChanged_NextHoldDecidesOnTheNewLimits()
    {
        var key = await IssueAsync(10m);
        for (var i = 0; i < 5; i++)
        {
            Assert.True((await fixture.Writer.HoldAsync(Hold(key), default)).Held);
        }

        await AppendAsync(key, new KeyLimitsChanged(key, KeyLimits.None, new KeyLimits(null, null, null, null, 5), "admin", _clock.GetUtcNow()));
        Assert.Equal(LimitKind.Concurrency, (await fixture.Writer.HoldAsync(Hold(key), default)).Limited?.Kind);

        await AppendAsync(key, new KeyLimitsChanged(key, new KeyLimits(null, null, null, null, 5), KeyLimits.None, "admin", _clock.GetUtcNow()));
        Assert.True((await fixture.Writer.HoldAsync(Hold(key), default)).Held);
    }

    [Fact]
    public async Task DailyBudget_SpentBeforeMidnight_RefusedUntilTheNextUtcDay_AndTheLedgerKeepsEverything()
    {
        var key = await IssueAsync(1m, period: BudgetPeriods.Daily);
        var first = Hold(key, 0.9m);
        Assert.True((await fixture.Writer.HoldAsync(first, default)).Held);
        await fixture.Writer.RecordAsync(Usage(key, first.Id, 0.9m), default);

        var refused = await fixture.Writer.HoldAsync(Hold(key, 0.2m), default);
        Assert.Equal((false, 0.9m), (refused.Held, refused.SpentUsd));

        _clock.Advance(TimeSpan.FromSeconds(61)); // 2026-12-01 00:00:01 UTC: a new day (and month)
        var renewed = Hold(key, 0.2m);
        var held = await fixture.Writer.HoldAsync(renewed, default);
        Assert.Equal((true, 0m), (held.Held, held.SpentUsd));
        await fixture.Writer.RecordAsync(Usage(key, renewed.Id, 0.2m), default);

        await using var session = fixture.Store.QuerySession();
        var ledger = (await session.LoadAsync<KeyLedger>(key))!;
        Assert.Equal(1.1m, ledger.SpentUsd); // the whole history
        Assert.Equal((new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), 0.2m), (ledger.PeriodStart, ledger.PeriodSpentUsd));
        Assert.Equal(0.2m, ledger.SpentInPeriod(_clock.GetUtcNow()));
        Assert.Equal(0m, ledger.SpentInPeriod(_clock.GetUtcNow().AddDays(1))); // idle into the next day: nothing spent there

        // A replay of the stream folds to the same numbers.
        var events = await session.Events.FetchStreamAsync(key);
        var replayed = await ((StoreOptions)fixture.Store.Options).Projections.AggregatorFor<KeyLedger>().BuildAsync(events, session, null, default);
        Assert.Equal((ledger.SpentUsd, ledger.PeriodStart, ledger.PeriodSpentUsd), (replayed!.SpentUsd, replayed.PeriodStart, replayed.PeriodSpentUsd));
    }

    [Fact]
    public async Task MonthlyBudget_DayBoundaryInsideTheMonth_StillSpent()
    {
        _clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 15, 23, 59, 0, TimeSpan.Zero));
        var key = await IssueAsync(1m, period: BudgetPeriods.Monthly);
        var first = Hold(key, 1m);
        await fixture.Writer.HoldAsync(first, default);
        await fixture.Writer.RecordAsync(Usage(key, first.Id, 1m), default);

        _clock.Advance(TimeSpan.FromDays(1));
        Assert.False((await fixture.Writer.HoldAsync(Hold(key, 0.01m), default)).Held);
        _clock.SetUtcNow(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
        Assert.True((await fixture.Writer.HoldAsync(Hold(key, 0.01m), default)).Held);
    }

    private async Task AppendAsync(string key, object e)
    {
        await using var session = fixture.Store.LightweightSession();
        await session.BeginAppendAsync();
        var stream = await session.Events.FetchForExclusiveWriting<KeyLedger>(key);
        stream.AppendOne(e);
        await session.SaveChangesAsync();
    }
}
