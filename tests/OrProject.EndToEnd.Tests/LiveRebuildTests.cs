using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrProject.Contracts.Events;
using OrProject.Projections.Accounts;
using OrProject.Projections.Keys;
using OrProject.Projections.Rebuild;
using OrProject.Projections.Settings;
using OrProject.Projections.Usage;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

/// <summary>Rebuilding every view while clients keep sending and admins keep changing keys.</summary>
[Collection(nameof(GatewayCollection))]
public sealed class LiveRebuildTests(GatewayFixture fixture) : IAsyncLifetime
{
    private const long InputTokens = 40;
    private const long OutputTokens = 7;

    public Task InitializeAsync() => fixture.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Rebuild_UnderLoad_RefusesNothingAndEveryViewEqualsAFoldOfTheLog()
    {
        fixture.Upstream.Respond = (ctx, _) => FakeAnthropic.WriteTextAsync(ctx, ["ok"], inputTokens: InputTokens, outputTokens: OutputTokens);
        var clients = new List<IssuedKey>();
        for (var i = 0; i < 4; i++)
        {
            clients.Add(await fixture.IssueKeyAsync(budgetUsd: 50m, name: $"live-{i}"));
        }

        // History to fold: enough that the rebuild takes a while, so traffic and admin changes land during it.
        var history = await SeedHistoryAsync(keys: 12, eventsPerKey: 2_500);

        using var stop = new CancellationTokenSource();
        var outcomes = new ConcurrentBag<(HttpStatusCode Status, DateTimeOffset At)>();
        var senders = clients.Select(key => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var response = await PostAsync(key);
                outcomes.Add((response.StatusCode, DateTimeOffset.UtcNow));
            }
        })).ToList();
        await Eventually.ReadAsync(() => Task.FromResult(outcomes.Count), n => n >= 20);

        var rebuildStarted = DateTimeOffset.UtcNow;
        var rebuild = fixture.AdminSendAsync(HttpMethod.Post, "/admin/api/projections/rebuild");

        // Keys created, changed and used while the rebuild runs: their events are appended after it began.
        var running = await Eventually.ReadAsync(RunAsync, r => r is { } run && run.GetProperty("state").GetString() == "running");
        Assert.Equal("running", running?.GetProperty("state").GetString());
        var late = await fixture.IssueKeyAsync(budgetUsd: 100m, name: "issued-during-rebuild");
        (await fixture.AdminSendAsync(HttpMethod.Put, $"/admin/api/keys/{history[0]}/budget", new { budgetUsd = 321m })).EnsureSuccessStatusCode();
        (await PostAsync(late)).EnsureSuccessStatusCode();

        using var done = await rebuild;
        var rebuildEnded = DateTimeOffset.UtcNow;
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        var result = await done.Content.ReadFromJsonAsync<JsonElement>();
        await Eventually.ReadAsync(() => Task.FromResult(outcomes.Count(o => o.At > rebuildEnded)), n => n >= 20);
        await stop.CancelAsync();
        await Task.WhenAll(senders);
        (await PostAsync(late)).EnsureSuccessStatusCode();

        // Nobody was refused, before, during or after, and requests were served throughout the rebuild.
        Assert.All(outcomes, o => Assert.Equal(HttpStatusCode.OK, o.Status));
        Assert.True(outcomes.Count(o => o.At > rebuildStarted && o.At < rebuildEnded) >= 10,
            $"only {outcomes.Count(o => o.At > rebuildStarted && o.At < rebuildEnded)} requests completed during the rebuild");
        Assert.True(result.GetProperty("events").GetInt64() >= 12 * 2_500);
        var status = await fixture.AdminGetAsync("/admin/api/projections/rebuild");
        Assert.Equal("succeeded", status.GetProperty("state").GetString());
        Assert.True(status.GetProperty("position").GetInt64() > status.GetProperty("target").GetInt64(),
            "the rebuild should have folded events appended after it began");
        Assert.False(await LeftoverTablesAsync(), "the rebuild left next or retired tables behind");

        // The switched-in tables are what Marten expects (names of indexes and keys included): a restart finds nothing to change.
        await fixture.Store.Storage.Database.AssertDatabaseMatchesConfigurationAsync();

        // Every view equals a fold of the log, the async ones once the daemon has caught up.
        await AssertViewsEqualTheLogAsync();

        // The ledger equals what the upstream reported, request for request.
        var served = outcomes.Count + 2; // the clients' requests, and two for the key issued during the rebuild
        await using var session = fixture.Store.QuerySession();
        var ledgers = await session.LoadManyAsync<KeyLedger>([.. clients.Select(k => k.Id), late.Id]);
        Assert.Equal(served, ledgers.Sum(l => l.Requests));
        Assert.Equal(served * InputTokens, ledgers.Sum(l => l.InputTokens));
        Assert.Equal(served * OutputTokens, ledgers.Sum(l => l.OutputTokens));
        Assert.Equal("issued-during-rebuild", ledgers.Single(l => l.Id == late.Id).Name);
        Assert.Equal(321m, (await session.LoadAsync<KeyLedger>(history[0]))!.BudgetUsd);
    }

    [Fact]
    public async Task Rebuild_FailsPartWay_LeavesTheServingViewsUntouched()
    {
        var key = await fixture.IssueKeyAsync(budgetUsd: 5m);
        (await PostAsync(key)).EnsureSuccessStatusCode();
        var before = await fixture.AdminGetAsync($"/admin/api/keys/{key.Id}");

        // An event no view knows how to fold: a rebuild that skipped it would not equal the log, so it must fail.
        var poison = "poison-" + Guid.NewGuid().ToString("N");
        await using (var session = fixture.Store.LightweightSession())
        {
            await session.BeginAppendAsync();
            session.Events.StartStream(poison, new SomethingUnheardOf("no view folds this"));
            await session.SaveChangesAsync();
        }

        try
        {
            using var rebuild = await fixture.AdminSendAsync(HttpMethod.Post, "/admin/api/projections/rebuild");
            Assert.Equal(HttpStatusCode.InternalServerError, rebuild.StatusCode);
            Assert.Contains("serving views are unchanged", await rebuild.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            var status = await fixture.AdminGetAsync("/admin/api/projections/rebuild");
            Assert.Equal("failed", status.GetProperty("state").GetString());
            Assert.False(await LeftoverTablesAsync());
            Assert.Equal(before.GetRawText(), (await fixture.AdminGetAsync($"/admin/api/keys/{key.Id}")).GetRawText());
            (await PostAsync(key)).EnsureSuccessStatusCode();
        }
        finally
        {
            foreach (var table in new[] { "mt_events", "mt_streams" })
            {
                await using var command = DataSource.CreateCommand($"delete from \"{fixture.Schema}\".{table} where {(table == "mt_events" ? "stream_id" : "id")} = $1");
                command.Parameters.Add(new NpgsqlParameter { Value = poison });
                await command.ExecuteNonQueryAsync();
            }
        }
    }

    [Fact]
    public async Task Rebuild_RepairsADamagedKeyView_KeyAdmittedAtOnce()
    {
        var key = await fixture.IssueKeyAsync(budgetUsd: 5m);
        (await PostAsync(key)).EnsureSuccessStatusCode();

        // The damage an earlier, racing rebuild did: the key's view lost its issue (no hash, no budget).
        await using (var session = fixture.Store.LightweightSession())
        {
            var damaged = (await session.LoadAsync<KeyLedger>(key.Id))!;
            damaged.KeyHash = "";
            damaged.Name = "";
            damaged.BudgetUsd = 0;
            session.Store(damaged);
            await session.SaveChangesAsync();
        }

        var refused = await Eventually.ReadAsync(async () => (await PostAsync(key)).StatusCode, s => s == HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.Unauthorized, refused); // and now remembered as unknown for a while

        using var rebuild = await fixture.AdminSendAsync(HttpMethod.Post, "/admin/api/projections/rebuild");
        Assert.Equal(HttpStatusCode.OK, rebuild.StatusCode);
        using var admitted = await PostAsync(key);
        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        var row = await fixture.AdminGetAsync($"/admin/api/keys/{key.Id}");
        Assert.Equal(5m, row.GetProperty("budgetUsd").GetDecimal());
    }

    [Fact]
    public async Task Append_WithoutTheViewsLock_IsRefusedByTheDatabase()
    {
        var key = await fixture.IssueKeyAsync();
        await using var session = fixture.Store.LightweightSession();
        session.Events.Append(key.Id, new KeyDisabled(key.Id, "test", DateTimeOffset.UtcNow));
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => session.SaveChangesAsync());
        Assert.Contains("views lock", refused.ToString(), StringComparison.Ordinal);
        Assert.False((await fixture.AdminGetAsync($"/admin/api/keys/{key.Id}")).GetProperty("disabled").GetBoolean());
    }

    /// <summary>Keys with long usage histories, appended as the edge would (under the views lock).</summary>
    private async Task<List<string>> SeedHistoryAsync(int keys, int eventsPerKey)
    {
        var ids = new List<string>();
        var start = DateTimeOffset.UtcNow.AddDays(-30);
        for (var k = 0; k < keys; k++)
        {
            var id = ApiKeys.NewKeyId();
            ids.Add(id);
            await using var session = fixture.Store.LightweightSession();
            await session.BeginAppendAsync();
            var events = new List<object> { new KeyIssued(id, $"history-{k}", ApiKeys.Hash(id), "sk-orp-hist", 1_000m, "test", start) };
            for (var i = 1; i < eventsPerKey; i++)
            {
                var at = start.AddMinutes(i * 17 % (60 * 24 * 30));
                events.Add(new UsageRecorded($"req_{id}_{i}", id, "claude-sonnet-4-5", i % 3 == 0 ? "claude-haiku-4-5" : "claude-sonnet-4-5",
                    "acct_history", 100 + i % 50, 10 + i % 7, i % 5, i % 11, 0.0001m * (1 + i % 9), "completed", at));
            }

            session.Events.StartStream<KeyLedger>(id, events);
            await session.SaveChangesAsync();
        }

        return ids;
    }

    private async Task AssertViewsEqualTheLogAsync()
    {
        await using var session = fixture.Store.QuerySession();
        var log = await session.Events.QueryAllRawEvents().OrderBy(e => e.Sequence).ToListAsync();
        var serializer = fixture.Store.Options.Serializer();

        foreach (var stream in log.GroupBy(e => e.StreamKey!))
        {
            switch (stream.First().Data)
            {
                case KeyIssued:
                    Assert.Equal(serializer.ToJson(await session.Events.AggregateStreamAsync<KeyLedger>(stream.Key)),
                        serializer.ToJson(await session.LoadAsync<KeyLedger>(stream.Key)));
                    break;
                case AccountAdded:
                    Assert.Equal(serializer.ToJson(await session.Events.AggregateStreamAsync<UpstreamAccount>(stream.Key)),
                        serializer.ToJson(await session.LoadAsync<UpstreamAccount>(stream.Key)));
                    break;
                case SettingsChanged or PriceTableChanged:
                    Assert.Equal(serializer.ToJson(await session.Events.AggregateStreamAsync<GatewaySettings>(stream.Key)),
                        serializer.ToJson(await session.LoadAsync<GatewaySettings>(stream.Key)));
                    break;
            }
        }

        var usage = log.Select(e => e.Data).OfType<UsageRecorded>().ToList();
        var daily = usage.GroupBy(DailyUsage.IdOf).ToDictionary(g => g.Key, g => (Requests: (long)g.Count(), Input: g.Sum(u => u.InputTokens),
            Output: g.Sum(u => u.OutputTokens), Cost: g.Sum(u => u.CostUsd)));
        var byAccount = usage.GroupBy(u => u.AccountId).ToDictionary(g => g.Key, g => (Requests: (long)g.Count(), Cost: g.Sum(u => u.CostUsd)));
        var rotations = log.Select(e => e.Data).OfType<AccountRotated>().GroupBy(r => r.AccountId).ToDictionary(g => g.Key, g => (long)g.Count());

        // The async views follow within a second or two of the last event.
        var dailyViews = await Eventually.ReadAsync(async () => (IReadOnlyList<DailyUsage>)await session.Query<DailyUsage>().ToListAsync(),
            views => views.Sum(v => v.Requests) == usage.Count, timeoutMs: 30_000);
        Assert.Equal(daily.Keys.Order(), dailyViews.Select(v => v.Id).Order());
        Assert.All(dailyViews, v => Assert.Equal(daily[v.Id], (v.Requests, v.InputTokens, v.OutputTokens, v.CostUsd)));

        var healthViews = await Eventually.ReadAsync(async () => (IReadOnlyList<AccountHealth>)await session.Query<AccountHealth>().ToListAsync(),
            views => views.Sum(v => v.Requests) == usage.Count, timeoutMs: 30_000);
        Assert.All(healthViews, v =>
        {
            Assert.Equal(byAccount.GetValueOrDefault(v.Id), (v.Requests, v.CostUsd));
            Assert.Equal(rotations.GetValueOrDefault(v.Id), v.Failures);
        });
    }

    private async Task<bool> LeftoverTablesAsync()
    {
        await using var command = DataSource.CreateCommand(
            "select count(*) from pg_tables where schemaname = $1 and (tablename like '%\\_\\_next' or tablename like '%\\_\\_retired')");
        command.Parameters.Add(new NpgsqlParameter { Value = fixture.Schema });
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    /// <summary>The latest rebuild, or null before the first one has recorded itself.</summary>
    private async Task<JsonElement?> RunAsync()
    {
        using var response = await fixture.AdminSendAsync(HttpMethod.Get, "/admin/api/projections/rebuild");
        return response.StatusCode == HttpStatusCode.NotFound ? null : await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private NpgsqlDataSource DataSource => fixture.Api.Services.GetRequiredService<NpgsqlDataSource>();

    private async Task<HttpResponseMessage> PostAsync(IssuedKey key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = JsonContent.Create(new { model = "claude-sonnet-4-5", max_tokens = 20, messages = new[] { new { role = "user", content = "hi" } } }),
        };
        request.Headers.Add("x-api-key", key.Key);
        return await fixture.Http.SendAsync(request);
    }
}

/// <summary>An event type no view folds (the test's own).</summary>
public sealed record SomethingUnheardOf(string Note);
