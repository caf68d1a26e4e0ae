using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

/// <summary>The whole system on a clock the test moves (edge and worker alike), to cross a UTC day.</summary>
public sealed class ShiftedClockFixture : GatewayFixture
{
    public ShiftedClock Clock { get; } = new();

    protected override void ConfigureEdge(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);

    protected override void ConfigureWorker(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);
}

[CollectionDefinition(nameof(ShiftedClockCollection))]
public sealed class ShiftedClockCollection : ICollectionFixture<ShiftedClockFixture>;

/// <summary>
/// Budget periods end to end: a daily key whose budget is spent is refused (no retry can help today) and served again
/// once the UTC day turns, with no event in between; the admin and the key holder see the new period's spend and
/// start, and the ledger keeps the whole history.
/// </summary>
[Collection(nameof(ShiftedClockCollection))]
public sealed class BudgetPeriodTests(ShiftedClockFixture fixture) : IAsyncLifetime
{
    public Task InitializeAsync() => fixture.ResetAsync();

    public Task DisposeAsync()
    {
        fixture.Clock.Offset = TimeSpan.Zero;
        return Task.CompletedTask;
    }

    private static HttpRequestMessage Messages(IssuedKey key, bool openAi = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, openAi ? "/v1/chat/completions" : "/v1/messages")
        {
            Content = JsonContent.Create(new { model = "claude-sonnet-4-5", max_tokens = 20, messages = new[] { new { role = "user", content = "hi" } } }),
        };
        request.Headers.Add(openAi ? "Authorization" : "x-api-key", openAi ? "Bearer " + key.Key : key.Key);
        return request;
    }

    [Fact]
    public async Task DailyBudget_SpentLateInTheDay_RefusedUntilMidnightUtc_ThenServedAndShownAsANewPeriod()
    {
        var today = DateTimeOffset.UtcNow.UtcDateTime.Date;
        var midnight = new DateTimeOffset(today.AddDays(1), TimeSpan.Zero);
        fixture.Clock.Set(midnight.AddSeconds(-30));
        // Each answer reports 1,000 output tokens: $0.015 at $15/M, past the $0.01 daily budget in one request.
        fixture.Upstream.Respond = (ctx, _) => FakeAnthropic.WriteTextAsync(ctx, ["Hel", "lo"], inputTokens: 0, outputTokens: 1000);
        using var issue = await fixture.AdminSendAsync(HttpMethod.Post, "/admin/api/keys", new { name = "daily", budgetUsd = 0.01m, budgetPeriod = "daily" });
        var issued = await issue.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("daily", new DateTimeOffset(today, TimeSpan.Zero)), (issued.GetProperty("budgetPeriod").GetString(), issued.GetProperty("periodStart").GetDateTimeOffset()));
        var key = new IssuedKey(issued.GetProperty("id").GetString()!, issued.GetProperty("key").GetString()!);

        using (var first = await fixture.Http.SendAsync(Messages(key)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        foreach (var openAi in new[] { false, true })
        {
            using var refused = await fixture.Http.SendAsync(Messages(key, openAi));
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal("false", refused.Headers.GetValues("x-should-retry").Single());
            var error = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["error"]!;
            Assert.Equal(openAi ? "insufficient_quota" : "rate_limit_error", (string?)error["type"]);
            Assert.Equal("Budget exceeded for this API key: $0.015 of its $0.01 daily budget is spent. " +
                $"It renews at {midnight.UtcDateTime:yyyy-MM-dd} 00:00 UTC; ask the gateway's operator for a larger budget before then.", (string?)error["message"]);
        }

        Assert.Single(fixture.Upstream.Requests);

        fixture.Clock.Set(midnight.AddSeconds(5)); // the next UTC day; nothing was appended to the key in between
        using (var renewed = await fixture.Http.SendAsync(Messages(key, openAi: true)))
        {
            Assert.Equal(HttpStatusCode.OK, renewed.StatusCode);
        }

        var view = await fixture.AdminGetAsync($"/admin/api/keys/{key.Id}");
        Assert.Equal(midnight, view.GetProperty("periodStart").GetDateTimeOffset());
        Assert.Equal((0.015m, 0.03m, 2L), (view.GetProperty("spentUsd").GetDecimal(), view.GetProperty("totalSpentUsd").GetDecimal(), view.GetProperty("requests").GetInt64()));
        Assert.Equal(0m, view.GetProperty("remainingUsd").GetDecimal());

        using var me = new HttpRequestMessage(HttpMethod.Get, "/usage/me");
        me.Headers.Add("x-api-key", key.Key);
        using var usage = await fixture.Http.SendAsync(me);
        var mine = await usage.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("daily", midnight, 0.015m), (mine.GetProperty("budgetPeriod").GetString(), mine.GetProperty("periodStart").GetDateTimeOffset(),
            mine.GetProperty("spentUsd").GetDecimal()));

        fixture.Clock.Set(midnight.AddDays(1).AddSeconds(1)); // idle through the next day: a new period, nothing spent in it
        var idle = await fixture.AdminGetAsync($"/admin/api/keys/{key.Id}");
        Assert.Equal((0m, 0.01m), (idle.GetProperty("spentUsd").GetDecimal(), idle.GetProperty("remainingUsd").GetDecimal()));
    }
}
