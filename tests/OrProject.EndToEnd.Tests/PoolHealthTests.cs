using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

/// <summary>
/// How the worker spreads requests over healthy accounts, and how it judges an account's health over requests: one
/// server error only moves a request, repeated ones open the account's circuit until a probe succeeds, and with
/// every account out one is still tried. Each test starts with no account in service but its own; the fake upstream
/// answers by the account's key.
/// </summary>
[Collection(nameof(PoolCollection))]
public sealed class PoolHealthTests(PoolFixture fixture) : IAsyncLifetime
{
    private readonly ConcurrentDictionary<string, int> _calls = new();
    private readonly ConcurrentDictionary<string, bool> _rateLimited = new();
    private readonly ConcurrentDictionary<string, int> _inFlight = new();
    private readonly ConcurrentDictionary<string, int> _mostInFlight = new();
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _failing = true;

    public async Task InitializeAsync()
    {
        await fixture.ResetPoolAsync(keepSeeded: false);
        fixture.Upstream.Respond = (ctx, request) =>
        {
            var key = request.Headers.GetValueOrDefault("x-api-key") ?? "";
            var call = _calls.AddOrUpdate(key, 1, (_, n) => n + 1);
            return key switch
            {
                _ when _rateLimited.ContainsKey(key) =>
                    FakeAnthropic.WriteErrorAsync(ctx, 429, "rate_limit_error", "Slow down", retryAfterSeconds: 60),
                _ when key.StartsWith("flaky", StringComparison.Ordinal) && _failing =>
                    FakeAnthropic.WriteErrorAsync(ctx, 500, "api_error", "Internal server error"),
                _ when key.StartsWith("poisoned", StringComparison.Ordinal) && request.Body.Contains("poison", StringComparison.Ordinal) =>
                    FakeAnthropic.WriteErrorAsync(ctx, 500, "api_error", "Internal server error"),
                _ when key.StartsWith("overloaded-once", StringComparison.Ordinal) && call == 1 =>
                    FakeAnthropic.WriteErrorAsync(ctx, 529, "overloaded_error", "Overloaded"),
                _ when key.StartsWith("held", StringComparison.Ordinal) => HeldAsync(ctx, key),
                _ => FakeAnthropic.WriteTextAsync(ctx, ["ok"]),
            };
        };
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Requests_ThirtyInSequenceOverThreeEqualAccounts_EachServesAtLeastFive()
    {
        foreach (var name in new[] { "healthy-1", "healthy-2", "healthy-3" })
        {
            await fixture.AddAccountAsync(name);
        }

        await fixture.WorkerCaughtUpAsync();
        var served = await SendInSequenceAsync(30);

        Assert.Equal(30, served.Values.Sum());
        Assert.All(new[] { "healthy-1", "healthy-2", "healthy-3" }, name => Assert.True(served.GetValueOrDefault(name) >= 5,
            $"{name} served {served.GetValueOrDefault(name)} of 30: {string.Join(", ", served)}"));
    }

    [Fact]
    public async Task Requests_WeightsOneToTwo_SpreadRoughlyOneToTwo()
    {
        await fixture.AddAccountAsync("light", weight: 1);
        await fixture.AddAccountAsync("heavy", weight: 2);
        await fixture.WorkerCaughtUpAsync();

        var served = await SendInSequenceAsync(30);

        Assert.InRange(served.GetValueOrDefault("light"), 8, 12);
        Assert.InRange(served.GetValueOrDefault("heavy"), 18, 22);
    }

    [Fact]
    public async Task ConcurrentRequests_AccountAtItsLimit_OthersTakeTheRest()
    {
        await fixture.AddAccountAsync("held-limited", maxConcurrency: 1);
        await fixture.AddAccountAsync("held-open");
        await fixture.WorkerCaughtUpAsync();
        var key = await fixture.IssueKeyAsync(budgetUsd: 100m);

        var requests = Enumerable.Range(0, 6).Select(_ => fixture.PostAsync(key)).ToList();
        try
        {
            var inFlight = await Eventually.ReadAsync(() => Task.FromResult(_inFlight.Values.Sum()), n => n == 6);
            Assert.Equal(6, inFlight);
        }
        finally
        {
            _release.TrySetResult();
        }

        foreach (var request in requests)
        {
            using var response = await request;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(1, _mostInFlight["held-limited"]);
        Assert.Equal(5, _mostInFlight["held-open"]);
    }

    [Fact]
    public async Task Conversation_StaysOnOneAccount_MovesWhenThatOneCoolsAndStaysOnTheNext()
    {
        foreach (var name in new[] { "sticky-1", "sticky-2", "sticky-3" })
        {
            await fixture.AddAccountAsync(name);
        }

        await fixture.WorkerCaughtUpAsync();
        var key = await fixture.IssueKeyAsync(budgetUsd: 100m);
        async Task<string> SendAsync()
        {
            var before = fixture.Upstream.Requests.Count;
            using var response = await fixture.PostAsync(key, session: "conversation-1");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return fixture.Upstream.Requests.Skip(before).Last().Headers["x-api-key"];
        }

        var first = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            first.Add(await SendAsync());
        }

        var home = Assert.Single(first.Distinct());
        _rateLimited[home] = true;
        var moved = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            moved.Add(await SendAsync());
        }

        var next = Assert.Single(moved.Distinct());
        Assert.NotEqual(home, next);
        Assert.Equal(1, fixture.Upstream.Requests.Count(r => r.Headers["x-api-key"] == home) - 5); // tried once, then cooling
    }

    [Fact]
    public async Task Upstream500ForOneRequest_SingleAccountPool_NextRequestIsServed()
    {
        var only = await fixture.AddAccountAsync("poisoned");
        await fixture.WorkerCaughtUpAsync();
        var key = await fixture.IssueKeyAsync();

        using (var bad = await fixture.PostAsync(key, "poison"))
        {
            Assert.Equal(529, (int)bad.StatusCode);
        }

        Assert.Equal(2, fixture.Upstream.Requests.Count); // retried once on the only account, then answered
        using var next = await fixture.PostAsync(key);

        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal("active", (await fixture.AccountAsync(only)).GetProperty("status").GetString());
        var types = await fixture.EventTypesAsync(only);
        Assert.Equal(2, types.Count(t => t == "AccountRotated"));
        Assert.DoesNotContain("AccountCooledDown", types);
    }

    [Fact]
    public async Task Upstream500_RequestMovesToAnotherAccount_FailingOneStaysInRotation()
    {
        var flaky = await fixture.AddAccountAsync("flaky", weight: 2); // first in turn
        await fixture.AddAccountAsync("healthy");
        await fixture.WorkerCaughtUpAsync();
        var key = await fixture.IssueKeyAsync();

        using var response = await fixture.PostAsync(key);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["flaky", "healthy"], fixture.Upstream.Requests.Select(r => r.Headers["x-api-key"]));
        Assert.Equal("active", (await fixture.AccountAsync(flaky)).GetProperty("status").GetString());
        Assert.Equal(["AccountAdded", "AccountRotated"], await fixture.EventTypesAsync(flaky)); // moved, not cooled
    }

    [Fact]
    public async Task RepeatedServerErrors_OpenTheCircuit_AProbeAfterTheBreakClosesIt()
    {
        var flaky = await fixture.AddAccountAsync("flaky");
        await fixture.WorkerCaughtUpAsync();
        var key = await fixture.IssueKeyAsync();

        // Two calls per request (one retry on the only account): the fifth failure in a row opens the circuit.
        for (var i = 0; i < 3; i++)
        {
            using var failed = await fixture.PostAsync(key);
            Assert.Equal(529, (int)failed.StatusCode);
        }

        Assert.Equal(5, fixture.Upstream.Requests.Count);
        var opened = (await fixture.EventsAsync(flaky)).Single(e => e.GetProperty("type").GetString() == "AccountCooledDown").GetProperty("data");
        Assert.StartsWith("circuit open: 5 consecutive failures", opened.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.True(opened.GetProperty("probe").GetBoolean());
        Assert.Equal("cooling", (await fixture.AccountAsync(flaky)).GetProperty("status").GetString());

        // After the break the account waits for a probe: the clock alone does not bring it back.
        await WaitForStatusAsync(flaky, "probing");
        Assert.DoesNotContain("AccountRestored", await fixture.EventTypesAsync(flaky));

        // A failed probe opens it again at once.
        using (var probeFailed = await fixture.PostAsync(key))
        {
            Assert.Equal(529, (int)probeFailed.StatusCode);
        }

        Assert.Equal(6, fixture.Upstream.Requests.Count);
        var reopened = (await fixture.EventsAsync(flaky)).Last(e => e.GetProperty("type").GetString() == "AccountCooledDown").GetProperty("data");
        Assert.StartsWith("circuit re-opened: the probe failed", reopened.GetProperty("reason").GetString(), StringComparison.Ordinal);

        await WaitForStatusAsync(flaky, "probing");
        _failing = false;
        using var probe = await fixture.PostAsync(key);

        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        var restored = (await fixture.EventsAsync(flaky)).Single(e => e.GetProperty("type").GetString() == "AccountRestored").GetProperty("data");
        Assert.Equal("probe succeeded: circuit closed", restored.GetProperty("reason").GetString());
        Assert.Equal("active", (await fixture.AccountAsync(flaky)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task EveryAccountOut_TheLeastRecentlyFailedIsStillTried()
    {
        var first = await fixture.AddAccountAsync("overloaded-once-a", weight: 2); // first in turn, so first to fail
        var second = await fixture.AddAccountAsync("overloaded-once-b");
        await fixture.WorkerCaughtUpAsync();
        var key = await fixture.IssueKeyAsync();

        using (var refused = await fixture.PostAsync(key))
        {
            Assert.Equal(529, (int)refused.StatusCode); // both answered 529: each cools for 30 s
        }

        Assert.Equal("cooling", (await fixture.AccountAsync(first)).GetProperty("status").GetString());
        Assert.Equal("cooling", (await fixture.AccountAsync(second)).GetProperty("status").GetString());
        using var served = await fixture.PostAsync(key);

        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(["overloaded-once-a", "overloaded-once-b", "overloaded-once-a"], fixture.Upstream.Requests.Select(r => r.Headers["x-api-key"]));
        Assert.Equal("active", (await fixture.AccountAsync(first)).GetProperty("status").GetString());
        Assert.Contains("AccountRestored", await fixture.EventTypesAsync(first));
        Assert.Equal("cooling", (await fixture.AccountAsync(second)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task EveryAccountRateLimited_NotTriedAgainBeforeItsTime_ClientToldWhenToRetry()
    {
        var only = await fixture.AddAccountAsync("limited");
        _rateLimited["limited"] = true;
        await fixture.WorkerCaughtUpAsync();
        var key = await fixture.IssueKeyAsync();

        using (var first = await fixture.PostAsync(key))
        {
            Assert.Equal(429, (int)first.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(60), first.Headers.RetryAfter?.Delta);
        }

        Assert.Equal("cooling", (await fixture.AccountAsync(only)).GetProperty("status").GetString());
        using var second = await fixture.PostAsync(key);

        Assert.Equal(429, (int)second.StatusCode);
        Assert.InRange(second.Headers.RetryAfter?.Delta ?? TimeSpan.Zero, TimeSpan.FromSeconds(50), TimeSpan.FromSeconds(60));
        Assert.Contains("rate limited by its upstream", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Single(fixture.Upstream.Requests); // the upstream said wait 60 s: not asked again
    }

    /// <summary>Answers once the test releases every held call, counting how many each account holds at once.</summary>
    private async Task HeldAsync(Microsoft.AspNetCore.Http.HttpContext context, string key)
    {
        var now = _inFlight.AddOrUpdate(key, 1, (_, n) => n + 1);
        _mostInFlight.AddOrUpdate(key, now, (_, most) => Math.Max(most, now));
        try
        {
            await _release.Task;
        }
        finally
        {
            _inFlight.AddOrUpdate(key, 0, (_, n) => n - 1);
        }

        await FakeAnthropic.WriteTextAsync(context, ["ok"]);
    }

    private async Task<Dictionary<string, int>> SendInSequenceAsync(int requests)
    {
        var key = await fixture.IssueKeyAsync(budgetUsd: 100m);
        for (var i = 0; i < requests; i++)
        {
            using var response = await fixture.PostAsync(key);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        return fixture.Upstream.Requests.GroupBy(r => r.Headers["x-api-key"]).ToDictionary(g => g.Key, g => g.Count());
    }

    private async Task WaitForStatusAsync(string accountId, string status)
    {
        var account = await Eventually.ReadAsync(() => fixture.AccountAsync(accountId), a => a.GetProperty("status").GetString() == status);
        Assert.Equal(status, account.GetProperty("status").GetString());
    }
}
