using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using OrProject.Contracts.Events;
using OrProject.Projections.Keys;

namespace OrProject.Projections.Tests.Keys;

/// <summary>
/// The ledger writer against real PostgreSQL: the budget cap (<c>spent + Σ holds ≤ budget</c>), a charge recorded
/// exactly once, holds given back by release and expiry. Each test uses a key of its own.
/// </summary>
public sealed class KeyLedgerWriterTests(LedgerStoreFixture fixture) : IClassFixture<LedgerStoreFixture>
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private static BudgetHold Hold(string keyId, decimal amount, string? requestId = null, TimeSpan? lifetime = null) => new()
    {
        Id = requestId ?? "req_" + Guid.NewGuid().ToString("N"),
        KeyId = keyId,
        AmountUsd = amount,
        At = Now,
        ExpiresAt = Now + (lifetime ?? TimeSpan.FromMinutes(5)),
    };

    private static UsageRecorded Usage(string keyId, string requestId, decimal cost) =>
        new(requestId, keyId, "claude-sonnet-4-5", "claude-sonnet-4-5", "acct_1", 100, 10, 0, 0, cost, "completed", Now);

    private async Task<(KeyLedger Ledger, List<BudgetHold> Holds, IReadOnlyList<JasperFx.Events.IEvent> Events)> ReadAsync(string keyId)
    {
        await using var session = fixture.Store.QuerySession();
        var ledger = (await session.LoadAsync<KeyLedger>(keyId))!;
        var holds = (await session.Query<BudgetHold>().Where(h => h.KeyId == keyId).ToListAsync()).ToList();
        return (ledger, holds, await session.Events.FetchStreamAsync(keyId));
    }

    [Fact]
    public async Task Hold_FitsWithTheHoldsAlreadyOpen_Held_ElseRefusedWithTheFigures()
    {
        var key = await fixture.IssueKeyAsync(1m);
        Assert.True((await fixture.Writer.HoldAsync(Hold(key, 0.6m), default)).Held);

        var refused = await fixture.Writer.HoldAsync(Hold(key, 0.5m), default);
        var exact = await fixture.Writer.HoldAsync(Hold(key, 0.4m), default);

        Assert.Equal(new HoldResult(false, true, 1m, 0m, 0.6m), refused);
        Assert.Equal(new HoldResult(true, true, 1m, 0m, 1m), exact); // spent + holds may reach the budget exactly
    }

    [Fact]
    public async Task Hold_SameRequestTwice_HeldOnce()
    {
        // A redelivered admission must neither be refused nor hold the amount twice.
        var key = await fixture.IssueKeyAsync(1m);
        var hold = Hold(key, 0.7m);

        await fixture.Writer.HoldAsync(hold, default);
        var again = await fixture.Writer.HoldAsync(hold, default);

        Assert.True(again.Held);
        Assert.Equal(0.7m, again.ReservedUsd);
        Assert.Single((await ReadAsync(key)).Holds);
    }

    [Fact]
    public async Task Hold_DisabledOrUnknownKey_RefusedAsUnknown()
    {
        var disabled = await fixture.IssueKeyAsync(100m, disabled: true);

        var onDisabled = await fixture.Writer.HoldAsync(Hold(disabled, 0.01m), default);
        var onUnknown = await fixture.Writer.HoldAsync(Hold("key_nobody", 0.01m), default);

        Assert.Equal((false, false), (onDisabled.Held, onDisabled.Known));
        Assert.Equal(new HoldResult(false, false, 0m, 0m, 0m), onUnknown);
    }

    [Fact]
    public async Task Record_Twice_ChargedOnceAndItsHoldDeleted()
    {
        var key = await fixture.IssueKeyAsync(1m);
        var hold = Hold(key, 0.5m);
        await fixture.Writer.HoldAsync(hold, default);

        var first = await fixture.Writer.RecordAsync(Usage(key, hold.Id, 0.2m), default);
        var second = await fixture.Writer.RecordAsync(Usage(key, hold.Id, 0.2m), default);

        Assert.Equal((true, false), (first, second));
        var (ledger, holds, events) = await ReadAsync(key);
        Assert.Equal((0.2m, 1L), (ledger.SpentUsd, ledger.Requests));
        Assert.Empty(holds);
        Assert.Single(events, e => e.Data is UsageRecorded);
    }

    [Fact]
    public async Task RecordTwiceInOneBatch_ChargedOnce()
    {
        // Sent together they usually land in one batch: the receipt check must also see the batch's own charges.
        var key = await fixture.IssueKeyAsync(1m);
        var usage = Usage(key, "req_" + Guid.NewGuid().ToString("N"), 0.1m);

        var results = await Task.WhenAll(fixture.Writer.RecordAsync(usage, default), fixture.Writer.RecordAsync(usage, default));

        Assert.Equal(1, results.Count(r => r));
        Assert.Equal(0.1m, (await ReadAsync(key)).Ledger.SpentUsd);
    }

    [Fact]
    public async Task Release_GivesTheAmountBackWithoutACharge()
    {
        var key = await fixture.IssueKeyAsync(1m);
        var first = Hold(key, 0.8m);
        await fixture.Writer.HoldAsync(first, default);
        Assert.False((await fixture.Writer.HoldAsync(Hold(key, 0.5m), default)).Held);

        await fixture.Writer.ReleaseAsync(Release(key, first.Id), default);

        Assert.True((await fixture.Writer.HoldAsync(Hold(key, 0.5m), default)).Held);
        var (ledger, _, events) = await ReadAsync(key);
        Assert.Equal(0m, ledger.SpentUsd);
        Assert.DoesNotContain(events, e => e.Data is UsageRecorded or BudgetHoldExpired);
        var released = Assert.Single(events.Select(e => e.Data).OfType<BudgetHoldReleased>());
        Assert.Equal((first.Id, 0.8m, first.At, 529), (released.RequestId, released.AmountUsd, released.HeldAt, released.Status));
    }

    [Fact]
    public async Task Release_OfASettledHold_AppendsNothing()
    {
        // The edge and a worker may both release one request, or release one already charged: it settles once.
        var key = await fixture.IssueKeyAsync(1m);
        var charged = Hold(key, 0.2m);
        var released = Hold(key, 0.3m);
        await fixture.Writer.HoldAsync(charged, default);
        await fixture.Writer.HoldAsync(released, default);
        await fixture.Writer.RecordAsync(Usage(key, charged.Id, 0.1m), default);

        await fixture.Writer.ReleaseAsync(Release(key, charged.Id), default);
        await fixture.Writer.ReleaseAsync(Release(key, released.Id), default);
        await fixture.Writer.ReleaseAsync(Release(key, released.Id), default);

        var (ledger, holds, events) = await ReadAsync(key);
        Assert.Empty(holds);
        Assert.Equal(0.1m, ledger.SpentUsd);
        Assert.Equal([released.Id], events.Select(e => e.Data).OfType<BudgetHoldReleased>().Select(r => r.RequestId));
    }

    private static BudgetHoldReleased Release(string keyId, string requestId) =>
        new(requestId, keyId, 0m, default, Now, "no worker took the request in time", 529, "anthropic", false, "claude-sonnet-4-5");

    [Fact]
    public async Task Expire_OnlyOnceTheHoldsLifetimeIsOver_AndRecordedAsAnEvent()
    {
        var key = await fixture.IssueKeyAsync(1m);
        var hold = Hold(key, 0.3m, lifetime: TimeSpan.FromMinutes(1));
        await fixture.Writer.HoldAsync(hold, default);

        var early = await fixture.Writer.ExpireAsync(hold, Now.AddSeconds(59), default);
        var due = await fixture.Writer.ExpireAsync(hold, Now.AddMinutes(1), default);

        Assert.Equal((false, true), (early, due));
        var (_, holds, events) = await ReadAsync(key);
        Assert.Empty(holds);
        var expired = Assert.Single(events.Select(e => e.Data).OfType<BudgetHoldExpired>());
        Assert.Equal((hold.Id, 0.3m), (expired.RequestId, expired.AmountUsd));
    }

    [Fact]
    public async Task ChargeReportedAfterItsHoldExpired_StillRecordedOnce()
    {
        var key = await fixture.IssueKeyAsync(1m);
        var hold = Hold(key, 0.3m, lifetime: TimeSpan.Zero);
        await fixture.Writer.HoldAsync(hold, default);
        await fixture.Writer.ExpireAsync(hold, Now, default);

        Assert.True(await fixture.Writer.RecordAsync(Usage(key, hold.Id, 0.25m), default));
        Assert.Equal(0.25m, (await ReadAsync(key)).Ledger.SpentUsd);
    }

    [Fact]
    public async Task ConcurrentHoldsFromTwoProcesses_NeverMoreThanTheBudget()
    {
        // Two writers stand for two processes (an edge and a worker): only the key stream's row lock keeps them exact.
        var key = await fixture.IssueKeyAsync(1m);
        await using var other = new KeyLedgerWriter(fixture.Store, NullLogger<KeyLedgerWriter>.Instance);

        var results = await Task.WhenAll(Enumerable.Range(0, 30)
            .Select(i => (i % 2 == 0 ? fixture.Writer : other).HoldAsync(Hold(key, 0.1m), default)));

        Assert.Equal(10, results.Count(r => r.Held));
        Assert.Equal(1m, (await ReadAsync(key)).Holds.Sum(h => h.AmountUsd));
    }
    [Fact]
    public async Task ManyKeysAtOnceFromTwoProcesses_EachKeysCapExact_AndEveryChargeOnce()
    {
        // Writes of many keys share transactions (group commit), from two processes whose batches overlap on keys:
        // each key's cap and charges come out exactly as if it were alone.
        var keys = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => fixture.IssueKeyAsync(1m)));
        await using var other = new KeyLedgerWriter(fixture.Store, NullLogger<KeyLedgerWriter>.Instance);
        var holds = keys.SelectMany(key => Enumerable.Range(0, 15).Select(_ => Hold(key, 0.1m))).OrderBy(_ => Random.Shared.Next()).ToList();

        var held = await Task.WhenAll(holds.Select((hold, i) => (i % 2 == 0 ? fixture.Writer : other).HoldAsync(hold, default)));
        var taken = holds.Where((_, i) => held[i].Held).ToList();
        var charged = await Task.WhenAll(taken.Select((hold, i) => (i % 2 == 0 ? other : fixture.Writer).RecordAsync(Usage(hold.KeyId, hold.Id, 0.05m), default)));

        Assert.All(keys, key => Assert.Equal(10, taken.Count(h => h.KeyId == key)));
        Assert.All(charged, Assert.True);
        foreach (var key in keys)
        {
            var (ledger, open, events) = await ReadAsync(key);
            Assert.Equal((0.5m, 10L), (ledger.SpentUsd, ledger.Requests));
            Assert.Empty(open);
            Assert.Equal(10, events.Count(e => e.Data is UsageRecorded));
        }
    }

    [Fact]
    public async Task ACommandPostgresRefuses_FailsAlone_NotTheOtherKeysInItsBatch()
    {
        // A writer of its own, whose queue holds only these: queued together they share a transaction, PostgreSQL
        // refuses the whole of it (a NUL in text it will never take), and the writer then writes each key alone.
        await using var writer = new KeyLedgerWriter(fixture.Store, NullLogger<KeyLedgerWriter>.Instance);
        var keys = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => fixture.IssueKeyAsync(1m)));

        var good = keys.Select(key => writer.HoldAsync(Hold(key, 0.1m), default)).ToList();
        var bad = writer.RecordAsync(Usage("key_\0refused", "req_" + Guid.NewGuid().ToString("N"), 0.1m), default);
        good.AddRange(keys.Select(key => writer.HoldAsync(Hold(key, 0.2m), default)));

        await Assert.ThrowsAnyAsync<Exception>(() => bad);
        Assert.All(await Task.WhenAll(good), r => Assert.True(r.Held));
        Assert.All(await Task.WhenAll(keys.Select(ReadAsync)), read => Assert.Equal(0.3m, read.Holds.Sum(h => h.AmountUsd)));
    }
}
