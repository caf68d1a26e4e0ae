using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using OrProject.Contracts.Events;
using OrProject.Contracts.Pricing;
using OrProject.Projections.Keys;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

/// <summary>
/// The budget is a hard cap: what a key has spent plus what its requests in flight hold never exceeds its budget,
/// whatever the concurrency and however many edges share the key, and the ledger still records exactly what the
/// upstream reported for each request that reached it.
/// </summary>
[Collection(nameof(GatewayCollection))]
public sealed class BudgetCapTests(GatewayFixture fixture) : IAsyncLifetime
{
    private const string Model = "claude-sonnet-4-5";
    private static readonly ModelPrice Price = PriceCatalog.Default.Single(p => p.Id == Model);

    public Task InitializeAsync() => fixture.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>
    /// The fake upstream reports as much as a real one could for each request — every byte of the request as a token
    /// written to the cache (the dearest input there is at this price) and <c>max_tokens</c> of output — so spend climbs
    /// to the budget as fast as it can, and any request admitted past the cap would show as overspend. Each request's
    /// reported usage is kept by its prompt.
    /// </summary>
    private ConcurrentDictionary<string, (long Input, long Output)> ScriptGreedyUpstream(int delayMs)
    {
        var reported = new ConcurrentDictionary<string, (long, long)>();
        fixture.Upstream.Respond = async (ctx, request) =>
        {
            var body = JsonNode.Parse(request.Body)!;
            var prompt = (string)body["messages"]![0]!["content"]!;
            var input = System.Text.Encoding.UTF8.GetByteCount(request.Body);
            var output = (long)body["max_tokens"]!;
            reported[prompt] = (input, output);
            await FakeAnthropic.WriteEventsAsync(ctx,
                FakeAnthropic.TextStream(["a", "b", "c"], inputTokens: 0, outputTokens: output, cacheCreation: input), delayMs);
        };
        return reported;
    }

    private static decimal ReportedCost((long Input, long Output) usage) => PriceCatalog.Cost(Price, 0, usage.Output, usage.Input, 0);

    [Fact]
    public async Task Cap_FortyConcurrentClientsOverTwoEdges_NeverSpendPastTheBudgetAndTheLedgerIsWhatTheUpstreamReported()
    {
        await using var secondEdge = await fixture.StartEdgeAsync();
        using var secondHttp = new HttpClient { BaseAddress = new Uri(GatewayFixture.PublicUrl(secondEdge)) };
        await GatewayFixture.WaitReadyAsync(secondHttp, TimeSpan.FromSeconds(10));
        var reported = ScriptGreedyUpstream(delayMs: 30);
        const decimal budget = 0.05m;
        var key = await fixture.IssueKeyAsync(budget);
        using var watching = new CancellationTokenSource();
        var watcher = WatchInvariantAsync(key.Id, budget, watching.Token);

        // Each client keeps sending until the budget says no for good; a refusal that may pass later is retried.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 40).Select(client => Task.Run(async () =>
        {
            var served = new List<string>();
            for (var attempt = 0; attempt < 200; attempt++)
            {
                var http = client % 2 == 0 ? fixture.Http : secondHttp;
                var prompt = $"client {client} attempt {attempt} " + new string('x', 500);
                using var response = await http.SendAsync(Post(key, prompt, maxTokens: 40, stream: attempt % 2 == 0));
                var text = await response.Content.ReadAsStringAsync();
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    served.Add(response.Headers.GetValues("request-id").Single());
                    continue;
                }

                Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
                Assert.Equal("rate_limit_error", (string?)JsonNode.Parse(text)!["error"]!["type"]);
                if (response.Headers.GetValues("x-should-retry").Single() == "false")
                {
                    return (served, final: text);
                }

                Assert.Equal("1", response.Headers.RetryAfter!.Delta!.Value.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
                await Task.Delay(20 + Random.Shared.Next(30));
            }

            return (served, final: "never refused");
        })));
        await watching.CancelAsync();
        var worst = await watcher;

        var usage = await UsageRecordedAsync(key.Id);
        var spent = usage.Sum(u => u.CostUsd);
        Assert.True(spent <= budget, $"spent {spent} of a {budget} budget");
        Assert.True(worst <= budget, $"spent + reserved reached {worst} of a {budget} budget");
        Assert.True(usage.Count >= 5, $"only {usage.Count} requests were served");
        Assert.All(outcomes, o => Assert.Contains("budget", o.final, StringComparison.OrdinalIgnoreCase));

        // Request by request: one charge for each response, at exactly what the upstream reported for it.
        Assert.Equal(outcomes.SelectMany(o => o.served).Order(), usage.Select(u => u.RequestId).Order());
        Assert.Equal(reported.Count, usage.Count);
        Assert.Equal(reported.Values.Select(ReportedCost).Order(), usage.Select(u => u.CostUsd).Order());
        Assert.Equal(reported.Values.Select(r => r.Input).Order(), usage.Select(u => u.CacheCreationTokens).Order());

        var view = await fixture.AdminGetAsync($"/admin/api/keys/{key.Id}");
        Assert.Equal(0m, view.GetProperty("reservedUsd").GetDecimal());
        Assert.Equal(spent, view.GetProperty("spentUsd").GetDecimal());
        Assert.Equal(budget - spent, view.GetProperty("remainingUsd").GetDecimal());
    }

    [Fact]
    public async Task Cap_ClientsLeavingMidStream_EachChargedOnceForWhatTheUpstreamReadAndNoHoldLeft()
    {
        // Slow streams that the clients abandon after their first token.
        fixture.Upstream.Respond = (ctx, request) => FakeAnthropic.WriteEventsAsync(ctx,
            FakeAnthropic.TextStream([.. Enumerable.Repeat("tok ", 40)], inputTokens: 1000, outputTokens: 40), delayMs: 50);
        const decimal budget = 0.2m;
        var key = await fixture.IssueKeyAsync(budget);

        var served = await Task.WhenAll(Enumerable.Range(0, 30).Select(async n =>
        {
            using var cancel = new CancellationTokenSource();
            var request = Post(key, $"leaving {n} " + new string('y', 300), maxTokens: 40, stream: true);
            using var response = await fixture.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return null;
            }

            var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
            while (await reader.ReadLineAsync(cancel.Token) is { } line && !line.Contains("content_block_delta", StringComparison.Ordinal))
            {
            }

            await cancel.CancelAsync(); // gone after the first token
            return response.Headers.GetValues("request-id").Single();
        }));

        var ids = served.OfType<string>().ToList();
        Assert.NotEmpty(ids);
        var view = await Eventually.ReadAsync(() => fixture.AdminGetAsync($"/admin/api/keys/{key.Id}"),
            v => v.GetProperty("reservedUsd").GetDecimal() == 0m && v.GetProperty("requests").GetInt64() >= ids.Count, timeoutMs: 15_000);
        Assert.Equal(0m, view.GetProperty("reservedUsd").GetDecimal());

        var usage = await UsageRecordedAsync(key.Id);
        Assert.Equal(ids.Order(), usage.Select(u => u.RequestId).Order()); // once each, none lost
        Assert.All(usage, u => Assert.Equal(1000, u.InputTokens)); // the input the upstream reported, though the client left
        Assert.True(usage.Sum(u => u.CostUsd) <= budget);
    }

    [Fact]
    public async Task Refusal_WorstCaseDoesNotFit_SaysWhatMaxTokensWouldAndThatMaxTokensIsAdmitted()
    {
        var key = await fixture.IssueKeyAsync(0.01m);

        using var refused = await fixture.Http.SendAsync(Post(key, "hello", maxTokens: 32000));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("false", refused.Headers.GetValues("x-should-retry").Single());
        var message = (string)(await ReadJsonAsync(refused))["error"]!["message"]!;
        Assert.Contains("may cost up to $0.48", message, StringComparison.Ordinal); // 32,000 × $15/M, plus the input's bound
        var suggested = int.Parse(System.Text.RegularExpressions.Regex.Match(message, @"lower max_tokens to (\d+)").Groups[1].Value,
            System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(suggested, 1, 666); // $0.01 buys at most 666 output tokens at $15/M
        Assert.Empty(fixture.Upstream.Requests);

        using var admitted = await fixture.Http.SendAsync(Post(key, "hello", maxTokens: suggested));
        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
    }

    [Fact]
    public async Task Refusal_SpentKey_AnthropicAndOpenAiRoutesSayNoRetryAndTheSdksStopAtOnce()
    {
        var key = await fixture.IssueKeyAsync(0.01m);
        await SpendAsync(key.Id, 0.01m);

        using var anthropic = await fixture.Http.SendAsync(Post(key, "hello", maxTokens: 10));
        Assert.Equal(HttpStatusCode.TooManyRequests, anthropic.StatusCode);
        Assert.Equal("false", anthropic.Headers.GetValues("x-should-retry").Single());
        var error = (await ReadJsonAsync(anthropic))["error"]!;
        Assert.Equal("rate_limit_error", (string?)error["type"]);
        Assert.Contains("Budget exceeded", (string?)error["message"], StringComparison.Ordinal);

        foreach (var (path, body) in new[]
        {
            ("/v1/chat/completions", (object)new { model = Model, messages = new[] { new { role = "user", content = "hi" } } }),
            ("/v1/responses", new { model = Model, input = "hi" }),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
            request.Headers.Add("Authorization", "Bearer " + key.Key);
            using var response = await fixture.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
            Assert.Equal("false", response.Headers.GetValues("x-should-retry").Single());
            var openAi = (await ReadJsonAsync(response))["error"]!;
            Assert.Equal("insufficient_quota", (string?)openAi["type"]);
            Assert.Equal("insufficient_quota", (string?)openAi["code"]);
        }

        // The official Anthropic SDK, default retries on: one request, no retry (it reads x-should-retry).
        var counter = new CountingHandler();
        var anthropicSdk = new Anthropic.AnthropicClient { ApiKey = key.Key, BaseUrl = fixture.BaseAddress, HttpClient = new HttpClient(counter) };
        await Assert.ThrowsAnyAsync<Exception>(() => anthropicSdk.Messages.Create(new Anthropic.Models.Messages.MessageCreateParams
        {
            Model = Model,
            MaxTokens = 10,
            Messages = [new Anthropic.Models.Messages.UserMessageParam("hi")],
        }));
        Assert.Equal(1, counter.Count);

        // The OpenAI .NET SDK retries every 429 whatever the headers (System.ClientModel's policy; the Python and Node
        // SDKs read x-should-retry), so what matters there is that the user is told why: insufficient_quota.
        var chat = new OpenAI.Chat.ChatClient(Model, new System.ClientModel.ApiKeyCredential(key.Key), new OpenAI.OpenAIClientOptions
        {
            Endpoint = new Uri(fixture.BaseAddress + "/v1"),
            RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0),
        });
        var thrown = await Assert.ThrowsAsync<System.ClientModel.ClientResultException>(() => chat.CompleteChatAsync("hi"));
        Assert.Equal(429, thrown.Status);
        Assert.Contains("insufficient_quota", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refusal_UnpricedModel_Is404OnBothDialectsAndNeverReachesAWorker()
    {
        var key = await fixture.IssueKeyAsync();
        using var anthropic = await fixture.Http.SendAsync(Post(key, "hi", maxTokens: 10, model: "totally-made-up-model"));
        Assert.Equal(HttpStatusCode.NotFound, anthropic.StatusCode);
        var error = (await ReadJsonAsync(anthropic))["error"]!;
        Assert.Equal("not_found_error", (string?)error["type"]);
        Assert.Contains("totally-made-up-model", (string?)error["message"], StringComparison.Ordinal);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = "gpt-4o", messages = new[] { new { role = "user", content = "hi" } } }),
        };
        request.Headers.Add("Authorization", "Bearer " + key.Key);
        using var openAi = await fixture.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, openAi.StatusCode);
        var openAiError = (await ReadJsonAsync(openAi))["error"]!;
        Assert.Equal("model_not_found", (string?)openAiError["code"]);
        Assert.Contains("gpt-4o", (string?)openAiError["message"], StringComparison.Ordinal);

        Assert.Empty(fixture.Upstream.Requests);
        Assert.Equal(0, (await fixture.AdminGetAsync($"/admin/api/keys/{key.Id}")).GetProperty("requests").GetInt64());
    }

    [Fact]
    public async Task CountTokens_SpentOrDisabledKey_IsRefusedLikeMessages()
    {
        var spentKey = await fixture.IssueKeyAsync(0.01m);
        await SpendAsync(spentKey.Id, 0.02m);
        using var spent = await fixture.Http.SendAsync(Post(spentKey, "hi", maxTokens: 10, path: "/v1/messages/count_tokens"));
        Assert.Equal(HttpStatusCode.TooManyRequests, spent.StatusCode);
        Assert.Equal("false", spent.Headers.GetValues("x-should-retry").Single());

        var disabledKey = await fixture.IssueKeyAsync();
        using (await fixture.AdminSendAsync(HttpMethod.Post, $"/admin/api/keys/{disabledKey.Id}/disable"))
        {
        }

        using var disabled = await fixture.Http.SendAsync(Post(disabledKey, "hi", maxTokens: 10, path: "/v1/messages/count_tokens"));
        Assert.Equal(HttpStatusCode.Forbidden, disabled.StatusCode);
    }

    [Fact]
    public async Task Expiry_HoldNobodySettles_IsGivenBackAsAnEventAndALateChargeStillCounts()
    {
        var key = await fixture.IssueKeyAsync(1m);
        var writer = fixture.Api.Services.GetRequiredService<KeyLedgerWriter>();
        var past = DateTimeOffset.UtcNow.AddMinutes(-1);
        var hold = new BudgetHold { Id = "req_orphan", KeyId = key.Id, AmountUsd = 0.4m, At = past.AddHours(-1), ExpiresAt = past };
        Assert.True((await writer.HoldAsync(hold, CancellationToken.None)).Held);
        Assert.Equal(0.4m, (await fixture.AdminGetAsync($"/admin/api/keys/{key.Id}")).GetProperty("reservedUsd").GetDecimal());

        var sweeper = fixture.Api.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<OrProject.Api.Dispatch.HoldSweeper>().Single();
        Assert.True(await sweeper.SweepAsync(CancellationToken.None) >= 1);
        Assert.Equal(0m, (await fixture.AdminGetAsync($"/admin/api/keys/{key.Id}")).GetProperty("reservedUsd").GetDecimal());
        var events = await fixture.AdminGetAsync($"/admin/api/events?stream={key.Id}");
        Assert.Contains(events.EnumerateArray(), e => e.GetProperty("type").GetString() == "BudgetHoldExpired");

        Assert.True(await writer.RecordAsync(Usage(key.Id, "req_orphan", 0.1m), CancellationToken.None));
        Assert.False(await writer.RecordAsync(Usage(key.Id, "req_orphan", 0.1m), CancellationToken.None)); // never twice
        Assert.Equal(0.1m, (await fixture.AdminGetAsync($"/admin/api/keys/{key.Id}")).GetProperty("spentUsd").GetDecimal());
    }

    /// <summary>Samples spent, then reserved (in that order, so a settlement between the two reads can only undercount).</summary>
    private async Task<decimal> WatchInvariantAsync(string keyId, decimal budget, CancellationToken stop)
    {
        var worst = 0m;
        while (!stop.IsCancellationRequested)
        {
            await using var session = fixture.Store.QuerySession();
            var spent = (await session.LoadAsync<KeyLedger>(keyId))!.SpentUsd;
            var reserved = await BudgetHoldQueries.ReservedAsync(session, keyId, CancellationToken.None);
            worst = Math.Max(worst, spent + reserved);
            await Task.Delay(5, CancellationToken.None);
        }

        return worst;
    }

    private async Task<List<UsageRecorded>> UsageRecordedAsync(string keyId)
    {
        await using var session = fixture.Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(keyId);
        return events.Select(e => e.Data).OfType<UsageRecorded>().ToList();
    }

    private async Task SpendAsync(string keyId, decimal amount)
    {
        var writer = fixture.Api.Services.GetRequiredService<KeyLedgerWriter>();
        await writer.RecordAsync(Usage(keyId, "req_elsewhere_" + Guid.NewGuid().ToString("N"), amount), CancellationToken.None);
    }

    private static UsageRecorded Usage(string keyId, string requestId, decimal cost) =>
        new(requestId, keyId, Model, Model, "acct_elsewhere", 0, 0, 0, 0, cost, "completed", DateTimeOffset.UtcNow);

    private static HttpRequestMessage Post(IssuedKey key, string prompt, int maxTokens, bool stream = false, string model = Model,
        string path = "/v1/messages")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = JsonContent.Create(new { model, max_tokens = maxTokens, stream, messages = new[] { new { role = "user", content = prompt } } }),
        };
        request.Headers.Add("x-api-key", key.Key);
        request.Headers.Add("anthropic-version", "2023-06-01");
        return request;
    }

    private static async Task<JsonObject> ReadJsonAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    private sealed class CountingHandler() : DelegatingHandler(new HttpClientHandler())
    {
        private int _count;

        public int Count => _count;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
