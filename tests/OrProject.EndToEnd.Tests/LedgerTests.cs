using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Anthropic;
using Anthropic.Models.Messages;
using Marten;
using OrProject.Contracts.Events;
using OrProject.Contracts.Pricing;
using OrProject.Projections.Keys;
using OrProject.Testing;
using OrProject.Projections.Rebuild;
using OrProject.Projections.Settings;

namespace OrProject.EndToEnd.Tests;

[Collection(nameof(GatewayCollection))]
public sealed class LedgerTests(GatewayFixture fixture) : IAsyncLifetime
{
    public Task InitializeAsync()
    {
        return fixture.ResetAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>The upstream reports usage derived from a number in the prompt, so every request costs something different.</summary>
    private void ScriptUsageFromPrompt() => fixture.Upstream.Respond = (ctx, request) =>
    {
        var n = int.Parse(((string?)JsonNode.Parse(request.Body)!["messages"]![0]!["content"])!, System.Globalization.CultureInfo.InvariantCulture);
        return FakeAnthropic.WriteTextAsync(ctx, ["x", "y"], inputTokens: 100 + n, outputTokens: 7 + (n % 13), cacheCreation: n % 5, cacheRead: n % 7);
    };

    private static decimal ExpectedCost(int n) =>
        PriceCatalog.Cost(PriceCatalog.Default.Single(p => p.Id == "claude-sonnet-4-5"), 100 + n, 7 + (n % 13), n % 5, n % 7);

    [Fact]
    public async Task Usage_TwoHundredConcurrentRequestsOnOneKey_SpentIsExactSumAndOneEventEach()
    {
        ScriptUsageFromPrompt();
        var key = await fixture.IssueKeyAsync(budgetUsd: 100m);
        var client = new AnthropicClient { ApiKey = key.Key, BaseUrl = fixture.BaseAddress, MaxRetries = 0, Timeout = TimeSpan.FromMinutes(2) };
        const int count = 200;

        await Task.WhenAll(Enumerable.Range(0, count).Select(async n =>
        {
            var request = new MessageCreateParams
            {
                MaxTokens = 50,
                Model = "claude-sonnet-4-5",
                Messages = [new UserMessageParam(n.ToString(System.Globalization.CultureInfo.InvariantCulture))],
            };
            if (n % 2 == 0)
            {
                await client.Messages.Create(request);
            }
            else
            {
                await foreach (var _ in client.Messages.CreateStreaming(request))
                {
                }
            }
        }));

        var expected = Enumerable.Range(0, count).Sum(ExpectedCost);
        var me = await UsageMeAsync(key);
        Assert.Equal(expected, me.GetProperty("spentUsd").GetDecimal());
        Assert.Equal(count, me.GetProperty("requests").GetInt64());

        var events = await fixture.AdminGetAsync($"/admin/api/events?stream={key.Id}&limit=1000");
        var usage = events.EnumerateArray().Where(e => e.GetProperty("type").GetString() == "UsageRecorded").ToList();
        Assert.Equal(count, usage.Count);
        Assert.Equal(count, usage.Select(e => e.GetProperty("data").GetProperty("requestId").GetString()).Distinct().Count());
        Assert.Equal(expected, usage.Sum(e => e.GetProperty("data").GetProperty("costUsd").GetDecimal()));
    }

    [Fact]
    public async Task Admission_BudgetSpent_Answers429UntilBudgetRaised()
    {
        ScriptUsageFromPrompt();
        var key = await fixture.IssueKeyAsync(budgetUsd: 0.01m); // one request's worst case fits
        using var first = await PostAsync(key, 1);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await using (var session = fixture.Store.LightweightSession())
        {
            // The rest of the budget goes elsewhere (another edge, say).
            await session.BeginAppendAsync();
            var stream = await session.Events.FetchForExclusiveWriting<KeyLedger>(key.Id);
            stream.AppendOne(new UsageRecorded("req_rest", key.Id, "claude-sonnet-4-5", "claude-sonnet-4-5", "acct_elsewhere",
                0, 0, 0, 0, 0.01m - ExpectedCost(1), "completed", DateTimeOffset.UtcNow));
            await session.SaveChangesAsync();
        }

        using var refused = await PostAsync(key, 2);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var error = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("rate_limit_error", error.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("budget exceeded", error.GetProperty("error").GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("false", refused.Headers.GetValues("x-should-retry").Single());
        Assert.Single(fixture.Upstream.Requests); // the refused request never reached the upstream

        using var raise = await fixture.AdminSendAsync(HttpMethod.Put, $"/admin/api/keys/{key.Id}/budget", new { budgetUsd = 1m });
        Assert.Equal(HttpStatusCode.OK, raise.StatusCode);
        using var reopened = await PostAsync(key, 3);
        Assert.Equal(HttpStatusCode.OK, reopened.StatusCode);
    }

    [Fact]
    public async Task Admission_SpendRecordedElsewhere_RefusedWithinASecond()
    {
        ScriptUsageFromPrompt();
        var key = await fixture.IssueKeyAsync(budgetUsd: 1m);
        using (var first = await PostAsync(key, 1))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode); // admission has read the key (and may keep it briefly)
        }

        // Spend this edge never saw, as through another edge instance: the key is now past its budget.
        await using (var session = fixture.Store.LightweightSession())
        {
            await session.BeginAppendAsync();
            var stream = await session.Events.FetchForExclusiveWriting<KeyLedger>(key.Id);
            stream.AppendOne(new UsageRecorded("req_elsewhere", key.Id, "claude-sonnet-4-5", "claude-sonnet-4-5", "acct_elsewhere",
                0, 0, 0, 0, 5m, "completed", DateTimeOffset.UtcNow));
            await session.SaveChangesAsync();
        }

        var refusedBy = DateTime.UtcNow + TimeSpan.FromSeconds(1.5);
        var status = HttpStatusCode.OK;
        for (var n = 2; status != HttpStatusCode.TooManyRequests && DateTime.UtcNow < refusedBy; n++)
        {
            using var response = await PostAsync(key, n);
            status = response.StatusCode;
            await Task.Delay(50);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, status);
    }

    [Fact]
    public async Task Admission_DisabledKey_Answers403AndEnableReopens()
    {
        var key = await fixture.IssueKeyAsync();
        using var disable = await fixture.AdminSendAsync(HttpMethod.Post, $"/admin/api/keys/{key.Id}/disable", null);
        Assert.True((await disable.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("disabled").GetBoolean());

        using var refused = await PostAsync(key, 1);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("permission_error", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("type").GetString());
        Assert.Empty(fixture.Upstream.Requests);

        using var enable = await fixture.AdminSendAsync(HttpMethod.Post, $"/admin/api/keys/{key.Id}/enable", null);
        using var admitted = await PostAsync(key, 1);
        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
    }

    [Fact]
    public async Task KeyUsage_AfterRequests_BreaksDownByModelAndDay()
    {
        ScriptUsageFromPrompt();
        var key = await fixture.IssueKeyAsync();
        for (var n = 0; n < 3; n++)
        {
            using var response = await PostAsync(key, n);
            response.EnsureSuccessStatusCode();
        }

        var expected = ExpectedCost(0) + ExpectedCost(1) + ExpectedCost(2);
        JsonElement usage = default;
        for (var attempt = 0; attempt < 100; attempt++)   // the daily view is built by the async daemon
        {
            usage = await fixture.AdminGetAsync($"/admin/api/keys/{key.Id}/usage");
            if (usage.GetProperty("byDay").GetArrayLength() > 0 && usage.GetProperty("byDay")[0].GetProperty("requests").GetInt64() == 3)
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.Equal(expected, usage.GetProperty("spentUsd").GetDecimal());
        var model = Assert.Single(usage.GetProperty("byModel").EnumerateArray());
        Assert.Equal(FakeAnthropic.Model, model.GetProperty("model").GetString());
        Assert.Equal(expected, model.GetProperty("costUsd").GetDecimal());
        var day = Assert.Single(usage.GetProperty("byDay").EnumerateArray());
        Assert.Equal(3, day.GetProperty("requests").GetInt64());
        Assert.Equal(expected, day.GetProperty("costUsd").GetDecimal());
    }

    [Fact]
    public async Task PriceTable_Changed_NextRequestIsPricedWithIt()
    {
        ScriptUsageFromPrompt();
        var table = PriceCatalog.Default.Select(p => p.Id == "claude-sonnet-4-5" ? PriceCatalog.Price(p.Id, 1m, 2m) : p).ToArray();
        using var put = await fixture.AdminSendAsync(HttpMethod.Put, "/admin/api/models", table);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        try
        {
            await fixture.SettingsAppliedAsync(s => SonnetInputPrice(s) == 1m); // both hosts re-read the table within a second
            var key = await fixture.IssueKeyAsync();
            using var response = await PostAsync(key, 4);
            response.EnsureSuccessStatusCode();

            var expected = PriceCatalog.Cost(PriceCatalog.Price("claude-sonnet-4-5", 1m, 2m), 104, 11, 4, 4);
            Assert.Equal(expected, (await UsageMeAsync(key)).GetProperty("spentUsd").GetDecimal());
        }
        finally
        {
            using var restore = await fixture.AdminSendAsync(HttpMethod.Put, "/admin/api/models", PriceCatalog.Default);
            await fixture.SettingsAppliedAsync(s => SonnetInputPrice(s) == 3m);
        }
    }

    [Fact]
    public async Task PriceTable_LongPromptBand_APromptOverItsThresholdIsChargedAtTheBandsRates()
    {
        ScriptUsageFromPrompt(); // request 4: 104 input, 4 cache-write and 4 cache-read tokens (a 112-token prompt), 11 output
        var banded = PriceCatalog.Price("claude-sonnet-4-5", 1m, 2m) with
        {
            LongPromptAboveTokens = 100, LongPromptInputFactor = 5m, LongPromptOutputFactor = 3m,
        };
        var table = PriceCatalog.Default.Select(p => p.Id == "claude-sonnet-4-5" ? banded : p).ToArray();
        using var put = await fixture.AdminSendAsync(HttpMethod.Put, "/admin/api/models", table);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        try
        {
            await fixture.SettingsAppliedAsync(s => PriceCatalog.Find(s.PriceTable(), "claude-sonnet-4-5")?.LongPromptAboveTokens == 100);
            var key = await fixture.IssueKeyAsync();
            using var response = await PostAsync(key, 4);
            response.EnsureSuccessStatusCode();

            var expected = PriceCatalog.Cost(banded, 104, 11, 4, 4);
            Assert.Equal(((104 + (4 * 1.25m) + (4 * 0.1m)) * 5m) + (11 * 2m * 3m), expected * 1_000_000m);
            Assert.Equal(expected, (await UsageMeAsync(key)).GetProperty("spentUsd").GetDecimal());
        }
        finally
        {
            using var restore = await fixture.AdminSendAsync(HttpMethod.Put, "/admin/api/models", PriceCatalog.Default);
            await fixture.SettingsAppliedAsync(s => SonnetInputPrice(s) == 3m);
        }
    }

    private static decimal? SonnetInputPrice(GatewaySettings settings) => PriceCatalog.Find(settings.PriceTable(), "claude-sonnet-4-5")?.InputUsdPerMTok;

    [Theory]
    [InlineData("cacheWrite1hUsdPerMTok")]
    [InlineData("webSearchUsdPerThousand")]
    public async Task PriceTable_NegativeNewPrice_RefusedAndTableUnchanged(string field)
    {
        var row = new JsonObject
        {
            ["id"] = "claude-sonnet-4-5", ["inputUsdPerMTok"] = 3m, ["outputUsdPerMTok"] = 15m,
            ["cacheWriteUsdPerMTok"] = 3.75m, ["cacheReadUsdPerMTok"] = 0.3m, [field] = -1m,
        };
        var before = (await fixture.AdminGetAsync("/admin/api/models")).GetRawText();

        using var put = await fixture.AdminSendAsync(HttpMethod.Put, "/admin/api/models", new JsonArray(row));

        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Contains(field, await put.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, (await fixture.AdminGetAsync("/admin/api/models")).GetRawText());
    }

    [Fact]
    public async Task AdminApi_WithoutToken_Answers401()
    {
        using var response = await fixture.Http.GetAsync("/admin/api/keys");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/admin/api/keys");
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "nope");
        using var refused = await fixture.Http.SendAsync(wrong);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    private async Task<HttpResponseMessage> PostAsync(IssuedKey key, int n)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = JsonContent.Create(new { model = "claude-sonnet-4-5", max_tokens = 50, messages = new[] { new { role = "user", content = n.ToString(System.Globalization.CultureInfo.InvariantCulture) } } }),
        };
        request.Headers.Add("x-api-key", key.Key);
        return await fixture.Http.SendAsync(request);
    }

    private async Task<JsonElement> UsageMeAsync(IssuedKey key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/usage/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key.Key);
        using var response = await fixture.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
