using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using OrProject.Contracts.Events;
using OrProject.Projections.Keys;
using OrProject.Projections.Rebuild;
using OrProject.Projections.Usage;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

[Collection(nameof(GatewayCollection))]
public sealed class ReplayTests(GatewayFixture fixture) : IAsyncLifetime
{
    public Task InitializeAsync()
    {
        return fixture.ResetAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Rebuild_ViewsWipedAfterTraffic_ComeBackWithIdenticalNumbers()
    {
        var first = await fixture.IssueKeyAsync(budgetUsd: 5m, name: "replay-a");
        var second = await fixture.IssueKeyAsync(budgetUsd: 7m, name: "replay-b");
        for (var i = 0; i < 3; i++)
        {
            fixture.Upstream.Respond = (ctx, _) => FakeAnthropic.WriteTextAsync(ctx, ["x"], inputTokens: 100 + i, outputTokens: 10 + i, cacheRead: i);
            (await PostAsync(first)).EnsureSuccessStatusCode();
            (await PostAsync(second)).EnsureSuccessStatusCode();
        }

        (await fixture.AdminSendAsync(HttpMethod.Put, $"/admin/api/keys/{second.Id}/budget", new { budgetUsd = 9.5m })).EnsureSuccessStatusCode();
        (await fixture.AdminSendAsync(HttpMethod.Post, $"/admin/api/keys/{first.Id}/disable", null)).EnsureSuccessStatusCode();
        var before = await ViewsAsync(first, second, expectedRequests: 3);

        await using (var session = fixture.Store.LightweightSession())
        {
            session.DeleteWhere<KeyLedger>(_ => true);
            session.DeleteWhere<DailyUsage>(_ => true);
            await session.SaveChangesAsync();
        }

        using var rebuild = await fixture.AdminSendAsync(HttpMethod.Post, "/admin/api/projections/rebuild", null);
        Assert.Equal(HttpStatusCode.OK, rebuild.StatusCode);
        var rebuilt = (await rebuild.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("projections").EnumerateArray().Select(p => p.GetString()).ToList();
        Assert.Contains(rebuilt, name => name!.Contains("KeyLedger", StringComparison.Ordinal));

        var after = await ViewsAsync(first, second, expectedRequests: 3);
        Assert.Equal(before, after);
        Assert.Contains("\"disabled\":true", after, StringComparison.Ordinal);
        Assert.Contains("\"budgetUsd\":9.5", after, StringComparison.Ordinal);

        // The views keep following the log after a rebuild.
        (await PostAsync(second)).EnsureSuccessStatusCode();
        var usage = await WaitForDailyUsageAsync(second, 4);
        Assert.Equal(4, usage.GetProperty("byDay").EnumerateArray().Sum(d => d.GetProperty("requests").GetInt64()));
    }

    [Fact]
    public async Task AsOf_TimestampBetweenRequests_AnswersSpendAtThatInstantFromEvents()
    {
        var key = await fixture.IssueKeyAsync(budgetUsd: 3m);
        (await PostAsync(key)).EnsureSuccessStatusCode();
        var spentThen = (await fixture.AdminGetAsync($"/admin/api/keys/{key.Id}")).GetProperty("spentUsd").GetDecimal();
        await Task.Delay(50);
        var instant = DateTimeOffset.UtcNow;
        await Task.Delay(50);
        (await PostAsync(key)).EnsureSuccessStatusCode();
        (await fixture.AdminSendAsync(HttpMethod.Put, $"/admin/api/keys/{key.Id}/budget", new { budgetUsd = 4m })).EnsureSuccessStatusCode();

        var asOf = await fixture.AdminGetAsync($"/admin/api/keys/{key.Id}/as-of?at={Uri.EscapeDataString(instant.ToString("O"))}");
        var now = await fixture.AdminGetAsync($"/admin/api/keys/{key.Id}");

        Assert.Equal(spentThen, asOf.GetProperty("spentUsd").GetDecimal());
        Assert.Equal(1, asOf.GetProperty("requests").GetInt64());
        Assert.Equal(3m, asOf.GetProperty("budgetUsd").GetDecimal());
        Assert.Equal(2 * spentThen, now.GetProperty("spentUsd").GetDecimal());
        Assert.Equal(4m, now.GetProperty("budgetUsd").GetDecimal());
    }

    [Fact]
    public async Task AsOf_FromCheckpoints_EqualsAFullFoldAtEveryInstant()
    {
        var key = await fixture.IssueKeyAsync(budgetUsd: 3m);
        var instants = new List<DateTimeOffset>();
        for (var i = 1; i <= 18; i++)
        {
            await using (var session = fixture.Store.LightweightSession())
            {
                await session.BeginAppendAsync();
                session.Events.Append(key.Id, new UsageRecorded($"req_{key.Id}_{i}", key.Id, "claude-sonnet-4-5", "claude-sonnet-4-5", "acct_x",
                    i, 2 * i, 0, 0, 0.01m * i, "completed", DateTimeOffset.UtcNow));
                await session.SaveChangesAsync();
            }

            var path = $"/admin/api/keys/{key.Id}";
            if (i % 5 == 0)
            {
                (await fixture.AdminSendAsync(HttpMethod.Put, $"{path}/budget", new { budgetUsd = 3m + i })).EnsureSuccessStatusCode();
            }

            if (i % 7 == 0)
            {
                (await fixture.AdminSendAsync(HttpMethod.Post, $"{path}/{(i % 2 == 0 ? "enable" : "disable")}")).EnsureSuccessStatusCode();
            }

            await Task.Delay(5);
            instants.Add(DateTimeOffset.UtcNow);
        }

        var checkpoints = fixture.Api.Services.GetRequiredService<KeyCheckpoints>();
        await checkpoints.ExtendAsync(key.Id, CancellationToken.None);
        await using var query = fixture.Store.QuerySession();
        var version = (await query.Events.FetchStreamStateAsync(key.Id))!.Version;
        Assert.Equal(version / checkpoints.Every, await query.Query<KeyCheckpoint>().CountAsync(c => c.KeyId == key.Id));

        foreach (var instant in instants)
        {
            var full = await query.Events.AggregateStreamAsync<KeyLedger>(key.Id, timestamp: instant);
            var asOf = await fixture.AdminGetAsync($"/admin/api/keys/{key.Id}/as-of?at={Uri.EscapeDataString(instant.ToString("O"))}");
            Assert.Equal((full!.BudgetUsd, full.SpentUsd, full.Requests, full.Disabled, full.Version),
                (asOf.GetProperty("budgetUsd").GetDecimal(), asOf.GetProperty("spentUsd").GetDecimal(), asOf.GetProperty("requests").GetInt64(),
                    asOf.GetProperty("disabled").GetBoolean(), asOf.GetProperty("version").GetInt64()));
            Assert.True(asOf.GetProperty("foldedEvents").GetInt32() < checkpoints.Every || full.Version < checkpoints.Every,
                $"folded {asOf.GetProperty("foldedEvents").GetInt32()} events at version {full.Version}");
        }
    }

    [Fact]
    public async Task Export_OneStream_JsonLinesAndCsvHoldEveryEvent()
    {
        var key = await fixture.IssueKeyAsync();
        (await PostAsync(key)).EnsureSuccessStatusCode();
        (await fixture.AdminSendAsync(HttpMethod.Post, $"/admin/api/keys/{key.Id}/disable", null)).EnsureSuccessStatusCode();

        using var jsonl = await fixture.AdminSendAsync(HttpMethod.Get, $"/admin/api/events/export?stream={key.Id}", null);
        var lines = (await jsonl.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["KeyIssued", "UsageRecorded", "KeyDisabled"], lines.Select(l => l.GetProperty("type").GetString()));
        Assert.Equal("admin", lines[2].GetProperty("data").GetProperty("actor").GetString());

        using var csv = await fixture.AdminSendAsync(HttpMethod.Get, $"/admin/api/events/export?stream={key.Id}&format=csv", null);
        var rows = (await csv.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("seq,stream_id,type,timestamp,data", rows[0]);
        Assert.Equal(4, rows.Length);
        Assert.Contains("UsageRecorded", rows[2], StringComparison.Ordinal);
    }

    /// <summary>Every view a person reads for these keys, as one string: the key list rows, usage breakdowns, /usage/me.</summary>
    private async Task<string> ViewsAsync(IssuedKey first, IssuedKey second, int expectedRequests)
    {
        var parts = new List<string>();
        foreach (var key in new[] { first, second })
        {
            var usage = await WaitForDailyUsageAsync(key, expectedRequests);
            var row = await fixture.AdminGetAsync($"/admin/api/keys/{key.Id}");
            parts.Add(JsonSerializer.Serialize(row) + JsonSerializer.Serialize(usage));
        }

        return string.Join("\n", parts);
    }

    private async Task<JsonElement> WaitForDailyUsageAsync(IssuedKey key, int requests)
    {
        for (var attempt = 0; ; attempt++)
        {
            var usage = await fixture.AdminGetAsync($"/admin/api/keys/{key.Id}/usage");
            if (usage.GetProperty("byDay").EnumerateArray().Sum(d => d.GetProperty("requests").GetInt64()) == requests || attempt == 100)
            {
                return usage;
            }

            await Task.Delay(100);
        }
    }

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
