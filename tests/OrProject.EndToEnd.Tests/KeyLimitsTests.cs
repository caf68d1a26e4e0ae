using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

/// <summary>
/// A key's controls through the real edge, worker and ledger, on the Anthropic and OpenAI routes: rpm and concurrency
/// across two edges, tpm as requests settle, the model allow-list (aliases resolved first), expiry, and the admin API
/// that sets them live. Each refusal is checked for its status, envelope and headers, and for reaching no upstream.
/// </summary>
[Collection(nameof(GatewayCollection))]
public sealed class KeyLimitsTests(GatewayFixture fixture) : IAsyncLifetime
{
    private const string Model = "claude-sonnet-4-5";

    public Task InitializeAsync() => fixture.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<IssuedKey> IssueAsync(object limits)
    {
        var body = JsonSerializer.SerializeToNode(limits, JsonSerializerOptions.Web)!.AsObject();
        body["name"] = "limited";
        body["budgetUsd"] ??= 10m;
        using var response = await fixture.AdminSendAsync(HttpMethod.Post, "/admin/api/keys", body);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new IssuedKey(json.GetProperty("id").GetString()!, json.GetProperty("key").GetString()!);
    }

    private static HttpRequestMessage Messages(IssuedKey key, string model = Model, bool stream = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = JsonContent.Create(new { model, max_tokens = 20, stream, messages = new[] { new { role = "user", content = "hi" } } }),
        };
        request.Headers.Add("x-api-key", key.Key);
        request.Headers.Add("anthropic-version", "2023-06-01");
        return request;
    }

    private static HttpRequestMessage Chat(IssuedKey key, string model = Model)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model, max_tokens = 20, messages = new[] { new { role = "user", content = "hi" } } }),
        };
        request.Headers.Add("Authorization", "Bearer " + key.Key);
        return request;
    }

    private static async Task<JsonNode> AnthropicErrorAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{response.StatusCode}: {text}");
        var body = JsonNode.Parse(text)!;
        Assert.Equal("error", (string?)body["type"]);
        Assert.Equal(type, (string?)body["error"]!["type"]);
        return body["error"]!;
    }

    private static async Task<JsonNode> OpenAiErrorAsync(HttpResponseMessage response, HttpStatusCode status, string type, string? code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{response.StatusCode}: {text}");
        var error = JsonNode.Parse(text)!["error"]!;
        Assert.Equal((type, code), ((string?)error["type"], (string?)error["code"]));
        Assert.True(error.AsObject().ContainsKey("param"));
        return error;
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.Single() : throw new Xunit.Sdk.XunitException($"no {name} header");

    private async Task<HttpClient> SecondEdgeAsync(WebApplication edge)
    {
        var http = new HttpClient { BaseAddress = new Uri(GatewayFixture.PublicUrl(edge)) };
        await GatewayFixture.WaitReadyAsync(http, TimeSpan.FromSeconds(10));
        return http;
    }

    [Fact]
    public async Task Rpm_SharedByTwoEdges_TheRequestPastTheMinutesAllowanceRefusedOnEitherRoute()
    {
        await using var edge = await fixture.StartEdgeAsync();
        using var second = await SecondEdgeAsync(edge);
        var key = await IssueAsync(new { rpm = 3 });

        var remaining = new List<string>();
        foreach (var http in new[] { fixture.Http, second, fixture.Http })
        {
            using var ok = await http.SendAsync(Messages(key));
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            // Admitted answers carry the buckets too, as the vendors' do: what is left after this request.
            Assert.Equal("3", Header(ok, "anthropic-ratelimit-requests-limit"));
            remaining.Add(Header(ok, "anthropic-ratelimit-requests-remaining"));
        }

        Assert.Equal(["2", "1", "0"], remaining);

        using var anthropic = await second.SendAsync(Messages(key));
        var error = await AnthropicErrorAsync(anthropic, HttpStatusCode.TooManyRequests, "rate_limit_error");
        var retryAfter = int.Parse(Header(anthropic, "retry-after"), CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 15, 20); // one request refills in 20 s; a few went by
        Assert.Equal($"This key allows 3 requests a minute; retry in {retryAfter} s.", (string?)error["message"]);
        Assert.Equal("true", Header(anthropic, "x-should-retry"));
        Assert.Equal(("3", "0"), (Header(anthropic, "anthropic-ratelimit-requests-limit"), Header(anthropic, "anthropic-ratelimit-requests-remaining")));
        var reset = DateTimeOffset.ParseExact(Header(anthropic, "anthropic-ratelimit-requests-reset"), "yyyy-MM-dd'T'HH:mm:ss'Z'",
            CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        Assert.InRange(reset - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(40), TimeSpan.FromSeconds(61)); // the whole bucket back

        using var openAi = await fixture.Http.SendAsync(Chat(key));
        var openAiError = await OpenAiErrorAsync(openAi, HttpStatusCode.TooManyRequests, "rate_limit_error", "rate_limit_exceeded");
        Assert.StartsWith("This key allows 3 requests a minute", (string?)openAiError["message"], StringComparison.Ordinal);
        Assert.Equal(("true", "3", "0"), (Header(openAi, "x-should-retry"), Header(openAi, "x-ratelimit-limit-requests"),
            Header(openAi, "x-ratelimit-remaining-requests")));
        Assert.Matches(@"^(\d+m)?\d+s$", Header(openAi, "x-ratelimit-reset-requests"));
        Assert.False(openAi.Headers.Contains("anthropic-ratelimit-requests-limit"));

        Assert.Equal(3, fixture.Upstream.Requests.Count); // the refused ones reached no upstream
        var view = await fixture.AdminGetAsync($"/admin/api/keys/{key.Id}");
        Assert.Equal((3L, 0m), (view.GetProperty("requests").GetInt64(), view.GetProperty("reservedUsd").GetDecimal()));
    }

    [Fact]
    public async Task MaxConcurrency_TwoInFlightOnTwoEdges_AThirdRefusedOnEitherRoute_AdmittedOnceOneFinishes()
    {
        await using var edge = await fixture.StartEdgeAsync();
        using var second = await SecondEdgeAsync(edge);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fixture.Upstream.Respond = async (ctx, _) =>
        {
            await release.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await FakeAnthropic.WriteTextAsync(ctx, ["Hel", "lo"]);
        };
        var key = await IssueAsync(new { maxConcurrency = 2, rpm = 100 });

        var first = fixture.Http.SendAsync(Messages(key));
        var secondInFlight = second.SendAsync(Messages(key, stream: true));
        await Eventually.ReadAsync(() => Task.FromResult(fixture.Upstream.Requests.Count), n => n == 2, timeoutMs: 10_000);

        using (var anthropic = await second.SendAsync(Messages(key)))
        {
            var error = await AnthropicErrorAsync(anthropic, HttpStatusCode.TooManyRequests, "rate_limit_error");
            Assert.Equal("This key allows 2 requests at once and has 2 in flight; retry when one finishes.", (string?)error["message"]);
            Assert.Equal(("true", "1"), (Header(anthropic, "x-should-retry"), Header(anthropic, "retry-after")));
            Assert.Equal("100", Header(anthropic, "anthropic-ratelimit-requests-limit")); // its other limits, as they stand
        }

        using (var openAi = await fixture.Http.SendAsync(Chat(key)))
        {
            await OpenAiErrorAsync(openAi, HttpStatusCode.TooManyRequests, "rate_limit_error", "rate_limit_exceeded");
            Assert.Equal(("true", "1", "100"), (Header(openAi, "x-should-retry"), Header(openAi, "retry-after"), Header(openAi, "x-ratelimit-limit-requests")));
        }

        Assert.Equal(2, fixture.Upstream.Requests.Count);
        release.SetResult();
        using (var done = await first)
        {
            Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        }

        using (var streamed = await secondInFlight)
        {
            Assert.Contains("message_stop", await streamed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var after = await second.SendAsync(Messages(key));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task Tpm_UsedUpBySettledRequests_NextRefusedWithTheTokenHeaders()
    {
        fixture.Upstream.Respond = (ctx, _) => FakeAnthropic.WriteTextAsync(ctx, ["Hel", "lo"], inputTokens: 700, outputTokens: 400);
        var key = await IssueAsync(new { tpm = 1000 });

        using (var ok = await fixture.Http.SendAsync(Chat(key)))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode); // 1,100 tokens charged: 100 past the minute's 1,000
            // An admitted answer on an OpenAI route carries OpenAI's headers; tokens count as the request settles.
            Assert.Equal(("1000", "1000"), (Header(ok, "x-ratelimit-limit-tokens"), Header(ok, "x-ratelimit-remaining-tokens")));
            Assert.False(ok.Headers.Contains("anthropic-ratelimit-tokens-limit"));
        }

        using var anthropic = await fixture.Http.SendAsync(Messages(key));
        var error = await AnthropicErrorAsync(anthropic, HttpStatusCode.TooManyRequests, "rate_limit_error");
        Assert.StartsWith("This key allows 1000 tokens a minute", (string?)error["message"], StringComparison.Ordinal);
        Assert.Equal(("true", "7"), (Header(anthropic, "x-should-retry"), Header(anthropic, "retry-after"))); // 101 tokens at 1,000 a minute
        Assert.Equal(("1000", "0"), (Header(anthropic, "anthropic-ratelimit-tokens-limit"), Header(anthropic, "anthropic-ratelimit-tokens-remaining")));
        Assert.False(anthropic.Headers.Contains("anthropic-ratelimit-requests-limit")); // no rpm on this key

        using var openAi = await fixture.Http.SendAsync(Chat(key));
        await OpenAiErrorAsync(openAi, HttpStatusCode.TooManyRequests, "rate_limit_error", "rate_limit_exceeded");
        Assert.Equal(("1000", "0"), (Header(openAi, "x-ratelimit-limit-tokens"), Header(openAi, "x-ratelimit-remaining-tokens")));
        Assert.Equal("1m6s", Header(openAi, "x-ratelimit-reset-tokens")); // the whole bucket: 1,100 tokens' refill
        Assert.Single(fixture.Upstream.Requests);
    }

    [Fact]
    public async Task Models_AllowList_OtherModelForbiddenOnBothRoutes_AnAliasOfAnAllowedModelServed_ModelsListFiltered()
    {
        var before = await fixture.AdminGetAsync("/admin/api/settings");
        try
        {
            await ModelsAllowListAsync();
        }
        finally
        {
            using var restore = await fixture.AdminSendAsync(HttpMethod.Put, "/admin/api/settings", before);
            Assert.Equal(HttpStatusCode.OK, restore.StatusCode);
            await fixture.SettingsAppliedAsync(s => !s.ModelAliases.ContainsKey("house"));
        }
    }

    private async Task ModelsAllowListAsync()
    {
        using (var put = await fixture.AdminSendAsync(HttpMethod.Put, "/admin/api/settings",
            new { modelAliases = new Dictionary<string, string> { ["house"] = Model }, toolMode = "native" }))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        await fixture.SettingsAppliedAsync(s => s.ModelAliases.ContainsKey("house"));
        var key = await IssueAsync(new { models = new[] { Model } });

        using (var anthropic = await fixture.Http.SendAsync(Messages(key, "claude-opus-4-1")))
        {
            var error = await AnthropicErrorAsync(anthropic, HttpStatusCode.Forbidden, "permission_error");
            Assert.Equal($"This API key may not use the model claude-opus-4-1. It may use: {Model}. Ask the gateway's operator to allow another model.",
                (string?)error["message"]);
            Assert.Equal("false", Header(anthropic, "x-should-retry"));
            // Written as the vendors write it: the apostrophe as itself, not JSON's \u0027 escape.
            Assert.Contains("gateway's operator", await anthropic.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var openAi = await fixture.Http.SendAsync(Chat(key, "claude-opus-4-1")))
        {
            await OpenAiErrorAsync(openAi, HttpStatusCode.Forbidden, "permission_error", null);
            Assert.Contains("gateway's operator", await openAi.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var count = Messages(key, "claude-opus-4-1"))
        {
            count.RequestUri = new Uri("/v1/messages/count_tokens", UriKind.Relative);
            using var counted = await fixture.Http.SendAsync(count);
            await AnthropicErrorAsync(counted, HttpStatusCode.Forbidden, "permission_error");
        }

        Assert.Empty(fixture.Upstream.Requests);
        using (var alias = await fixture.Http.SendAsync(Messages(key, "house")))
        {
            Assert.Equal(HttpStatusCode.OK, alias.StatusCode);
        }

        Assert.Equal(Model, (string?)JsonNode.Parse(fixture.Upstream.Requests.Single().Body)!["model"]);

        using var list = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        list.Headers.Add("Authorization", "Bearer " + key.Key);
        using var models = await fixture.Http.SendAsync(list);
        var ids = (await models.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.Equal(new[] { Model, "house" }, ids.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Expired_RefusedAsAuthenticationOnBothRoutes_ALaterExpirySetLiveAdmitsIt()
    {
        var key = await IssueAsync(new { expiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) });

        using (var anthropic = await fixture.Http.SendAsync(Messages(key)))
        {
            var error = await AnthropicErrorAsync(anthropic, HttpStatusCode.Unauthorized, "authentication_error");
            Assert.StartsWith("This API key expired at ", (string?)error["message"], StringComparison.Ordinal);
            Assert.Equal("false", Header(anthropic, "x-should-retry"));
        }

        using (var openAi = await fixture.Http.SendAsync(Chat(key)))
        {
            await OpenAiErrorAsync(openAi, HttpStatusCode.Unauthorized, "authentication_error", "invalid_api_key");
        }

        Assert.Empty(fixture.Upstream.Requests);
        using (var put = await fixture.AdminSendAsync(HttpMethod.Put, $"/admin/api/keys/{key.Id}/limits", new { expiresAt = DateTimeOffset.UtcNow.AddDays(1) }))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        using var admitted = await fixture.Http.SendAsync(Messages(key));
        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
    }

    [Fact]
    public async Task LimitsPut_SetsAndClearsEveryLimit_LiveOnAnotherEdgeWithinASecond_EachChangeAnEventWithBeforeAndAfter()
    {
        await using var edge = await fixture.StartEdgeAsync();
        using var second = await SecondEdgeAsync(edge);
        var key = await IssueAsync(new { budgetPeriod = "monthly", rpm = 60 });
        using (var warm = await second.SendAsync(Messages(key)))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode); // the second edge has the key in its cache now
        }

        var expires = new DateTimeOffset(2030, 1, 2, 3, 4, 0, TimeSpan.Zero);
        using (var put = await fixture.AdminSendAsync(HttpMethod.Put, $"/admin/api/keys/{key.Id}/limits",
            new { expiresAt = expires, models = new[] { "claude-haiku-4-5" }, tpm = 5000, maxConcurrency = 4 }))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            var view = await put.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(expires, view.GetProperty("expiresAt").GetDateTimeOffset());
            Assert.Equal("claude-haiku-4-5", view.GetProperty("models")[0].GetString());
            Assert.Equal(JsonValueKind.Null, view.GetProperty("rpm").ValueKind); // absent clears
            Assert.Equal((5000, 4), (view.GetProperty("tpm").GetInt32(), view.GetProperty("maxConcurrency").GetInt32()));
            Assert.Equal("monthly", view.GetProperty("budgetPeriod").GetString());
            var now = DateTimeOffset.UtcNow;
            Assert.Equal(new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero), view.GetProperty("periodStart").GetDateTimeOffset());
        }

        var started = DateTime.UtcNow;
        var refused = await Eventually.ReadAsync(async () =>
        {
            using var response = await second.SendAsync(Messages(key));
            return response.StatusCode;
        }, s => s == HttpStatusCode.Forbidden, timeoutMs: 5_000, pollMs: 50);
        Assert.Equal(HttpStatusCode.Forbidden, refused);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(1.5), $"the other edge took {DateTime.UtcNow - started} to see the change");

        using (var clear = await fixture.AdminSendAsync(HttpMethod.Put, $"/admin/api/keys/{key.Id}/limits", new { }))
        {
            var view = await clear.Content.ReadFromJsonAsync<JsonElement>();
            foreach (var field in new[] { "expiresAt", "models", "rpm", "tpm", "maxConcurrency" })
            {
                Assert.Equal(JsonValueKind.Null, view.GetProperty(field).ValueKind);
            }
        }

        var events = (await fixture.AdminGetAsync($"/admin/api/events?stream={key.Id}")).EnumerateArray()
            .Where(e => e.GetProperty("type").GetString() == "KeyLimitsChanged").Select(e => e.GetProperty("data")).ToList();
        Assert.Equal(2, events.Count);
        Assert.Equal(60, events[0].GetProperty("previous").GetProperty("rpm").GetInt32());
        Assert.Equal(5000, events[0].GetProperty("limits").GetProperty("tpm").GetInt32());
        Assert.Equal(JsonValueKind.Null, events[1].GetProperty("limits").GetProperty("tpm").ValueKind);
        Assert.All(events, e => Assert.Equal("admin", e.GetProperty("actor").GetString()));
    }

    [Theory]
    [InlineData("""{"rpm":0}""", "rpm: a whole number from 1 to 1000000, or null for no limit")]
    [InlineData("""{"maxConcurrency":-2}""", "maxConcurrency: a whole number from 1 to 100000, or null for no limit")]
    [InlineData("""{"models":["claude-sonnet-4-5",""]}""", "models: each entry must be a model id of 1 to 200 characters")]
    public async Task LimitsPut_Invalid_400NamingTheField(string body, string message)
    {
        var key = await fixture.IssueKeyAsync();
        using var response = await fixture.AdminSendAsync(HttpMethod.Put, $"/admin/api/keys/{key.Id}/limits",
            new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(message, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("""{"rpm":"many"}""")]
    [InlineData("""{"expiresAt":"next tuesday"}""")]
    [InlineData("""{"models":"claude-sonnet-4-5"}""")]
    public async Task LimitsPut_WrongType_400NotA500(string body)
    {
        var key = await fixture.IssueKeyAsync();
        using var response = await fixture.AdminSendAsync(HttpMethod.Put, $"/admin/api/keys/{key.Id}/limits",
            new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Issue_UnknownPeriod400_LimitsOfUnknownKey404_CreatedIsTheKeyObjectPlusTheKey()
    {
        using var bad = await fixture.AdminSendAsync(HttpMethod.Post, "/admin/api/keys", new { name = "x", budgetUsd = 1, budgetPeriod = "weekly" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.StartsWith("budgetPeriod:", (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);

        using var missing = await fixture.AdminSendAsync(HttpMethod.Put, "/admin/api/keys/key_nobody/limits", new { rpm = 5 });
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        // The 201 is the key object, as the list shows it, plus the key itself.
        using var created = await fixture.AdminSendAsync(HttpMethod.Post, "/admin/api/keys",
            new { name = "full", budgetUsd = 1, budgetPeriod = "Monthly", rpm = 5, models = new[] { " claude-sonnet-4-5 ", "claude-sonnet-4-5" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var issued = await created.Content.ReadFromJsonAsync<JsonElement>();
        var listed = await fixture.AdminGetAsync($"/admin/api/keys/{issued.GetProperty("id").GetString()}");
        Assert.Equal(listed.EnumerateObject().Select(p => p.Name).Append("key").Order(), issued.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(("monthly", 5, 1), (listed.GetProperty("budgetPeriod").GetString(), listed.GetProperty("rpm").GetInt32(), listed.GetProperty("models").GetArrayLength()));
    }

    [Fact]
    public async Task AnthropicSdk_ConcurrencyRefusal_RetriedAfterRetryAfterAndServedOnceTheOtherRequestFinishes()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fixture.Upstream.Respond = async (ctx, request) =>
        {
            if (request.Body.Contains("slow", StringComparison.Ordinal))
            {
                await release.Task.WaitAsync(TimeSpan.FromSeconds(30));
            }

            await FakeAnthropic.WriteTextAsync(ctx, ["Hel", "lo"]);
        };
        var key = await IssueAsync(new { maxConcurrency = 1 });
        using var slow = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = JsonContent.Create(new { model = Model, max_tokens = 20, messages = new[] { new { role = "user", content = "slow" } } }),
        };
        slow.Headers.Add("x-api-key", key.Key);
        var inFlight = fixture.Http.SendAsync(slow);
        await Eventually.ReadAsync(() => Task.FromResult(fixture.Upstream.Requests.Count), n => n == 1, timeoutMs: 10_000);

        // The official SDK, default retries on: refused while the other request runs, it waits retry-after (1 s) and
        // tries again; the other request finishes meanwhile.
        var counter = new CountingHandler();
        var sdk = new Anthropic.AnthropicClient { ApiKey = key.Key, BaseUrl = fixture.BaseAddress, HttpClient = new HttpClient(counter) };
        _ = Task.Delay(1500).ContinueWith(_ => release.TrySetResult(), TaskScheduler.Default);
        var message = await sdk.Messages.Create(new Anthropic.Models.Messages.MessageCreateParams
        {
            Model = Model,
            MaxTokens = 10,
            Messages = [new Anthropic.Models.Messages.UserMessageParam("fast")],
        });

        Assert.Equal("Hello", Assert.Single(message.Content).Json.GetProperty("text").GetString());
        Assert.InRange(counter.Count, 2, 3); // refused at least once, then served
        using var done = await inFlight;
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Assert.Equal(2, fixture.Upstream.Requests.Count);
    }

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
