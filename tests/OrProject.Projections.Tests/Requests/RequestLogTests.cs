using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using OrProject.Contracts.Events;
using OrProject.Projections.Keys;
using OrProject.Projections.Rebuild;
using OrProject.Projections.Requests;

namespace OrProject.Projections.Tests.Requests;

/// <summary>
/// The request log from the key streams, as the async daemon builds it live and as a rebuild folds it: a row per
/// request from its charge, release or expiry, a late charge replacing an expiry, and the same rows either way.
/// </summary>
public sealed class RequestLogTests(LedgerStoreFixture fixture) : IClassFixture<LedgerStoreFixture>
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    [Fact]
    public async Task Rows_FromChargesReleasesAndExpiries_LiveAndRebuiltIdentical()
    {
        var key = await fixture.IssueKeyAsync(10m);
        var (charged, released, expired, late) = (await HoldAsync(key), await HoldAsync(key), await HoldAsync(key, TimeSpan.Zero), await HoldAsync(key, TimeSpan.Zero));
        await fixture.Writer.RecordAsync(Charge(key, charged.Id, 0.25m, "completed", 200, ttft: 120, duration: 900), default);
        await fixture.Writer.ReleaseAsync(new BudgetHoldReleased(released.Id, key, 0m, default, Now.AddSeconds(1), "the client left while the request was queued",
            499, "chat", true, "claude-haiku-4-5", "claude-haiku-4-5", 350), default);
        await fixture.Writer.ExpireAsync(expired, Now.AddSeconds(2), default);
        await fixture.Writer.ExpireAsync(late, Now.AddSeconds(3), default);
        await fixture.Writer.RecordAsync(Charge(key, late.Id, 0.5m, "the upstream went silent", 529, ttft: null, duration: 61_000), default);
        var legacy = "req_" + Guid.NewGuid().ToString("N");
        // Recorded before the log's fields existed: they read as unknown.
        await fixture.AppendAsync(key, new UsageRecorded(legacy, key, "m", "m", "acct_1", 1, 2, 3, 4, 0.01m, "the client disconnected", Now));

        using (var daemon = await fixture.Store.BuildProjectionDaemonAsync())
        {
            await daemon.CatchUpAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
        }

        var live = await RowsAsync(key);
        Assert.Equal(5, live.Count);
        var rows = live.ToDictionary(r => r.Id);
        Assert.Equal(("completed", 200, 120L, 900L, 0.25m, "anthropic", false, 7L, 8L), (rows[charged.Id].Outcome, rows[charged.Id].Status,
            rows[charged.Id].TtftMs, rows[charged.Id].DurationMs, rows[charged.Id].CostUsd, rows[charged.Id].Protocol, rows[charged.Id].Stream,
            rows[charged.Id].CacheReadTokens, rows[charged.Id].CacheWriteTokens));
        Assert.Equal(("cancelled", 499, (long?)null, 350L, 0m, "chat", true, "claude-haiku-4-5", (string?)null), (rows[released.Id].Outcome,
            rows[released.Id].Status, rows[released.Id].TtftMs, rows[released.Id].DurationMs, rows[released.Id].CostUsd, rows[released.Id].Protocol,
            rows[released.Id].Stream, rows[released.Id].ModelRequested, rows[released.Id].ModelServed));
        Assert.Equal(("expired", (int?)null, 0m), (rows[expired.Id].Outcome, rows[expired.Id].Status, rows[expired.Id].CostUsd));
        Assert.Equal(("error", 529, 0.5m, "the upstream went silent"), (rows[late.Id].Outcome, rows[late.Id].Status, rows[late.Id].CostUsd,
            rows[late.Id].Detail));
        Assert.Equal(("error", (int?)null, (string?)null, (bool?)null, (long?)null), (rows[legacy].Outcome, rows[legacy].Status, rows[legacy].Protocol,
            rows[legacy].Stream, rows[legacy].DurationMs));

        await using (var session = fixture.Store.LightweightSession())
        {
            session.DeleteWhere<RequestLogEntry>(_ => true);
            await session.SaveChangesAsync();
        }

        Assert.Empty(await RowsAsync(key));
        var run = await fixture.Services.GetRequiredService<ViewRebuilder>().RunAsync();
        Assert.Equal(RebuildStates.Succeeded, run.State);

        Assert.Equal(Json(live), Json(await RowsAsync(key)));
    }

    [Fact]
    public void Apply_ReleaseOrExpiryAfterACharge_LeavesTheCharge()
    {
        // Never written so (a settled hold appends nothing more), but the rule holds whatever the order.
        var projection = new RequestLogProjection();
        var row = new RequestLogEntry();
        projection.Apply(row, Charge("key_1", "req_1", 0.1m, "completed", 200, 5, 10));
        projection.Apply(row, new BudgetHoldReleased("req_1", "key_1", 0.2m, Now, Now, "no worker took the request in time", 529));
        projection.Apply(row, new BudgetHoldExpired("req_1", "key_1", 0.2m, Now, Now));

        Assert.Equal(("completed", 200, 0.1m, RequestLogProjection.Charge), (row.Outcome, row.Status, row.CostUsd, row.Source));
    }

    private async Task<BudgetHold> HoldAsync(string keyId, TimeSpan? lifetime = null)
    {
        var hold = new BudgetHold
        {
            Id = "req_" + Guid.NewGuid().ToString("N"), KeyId = keyId, AmountUsd = 0.5m, At = Now, ExpiresAt = Now + (lifetime ?? TimeSpan.FromMinutes(5)),
        };
        Assert.True((await fixture.Writer.HoldAsync(hold, default)).Held);
        return hold;
    }

    private static UsageRecorded Charge(string keyId, string requestId, decimal cost, string outcome, int status, long? ttft, long duration) =>
        new(requestId, keyId, "claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "acct_1", 100, 10, 8, 7, cost, outcome, Now, 0, 0, "anthropic",
            false, status, ttft, duration);

    private async Task<List<RequestLogEntry>> RowsAsync(string keyId)
    {
        await using var session = fixture.Store.QuerySession();
        return (await session.Query<RequestLogEntry>().Where(r => r.KeyId == keyId).OrderBy(r => r.Id).ToListAsync()).ToList();
    }

    private static string Json(List<RequestLogEntry> rows) => JsonSerializer.Serialize(rows);
}
