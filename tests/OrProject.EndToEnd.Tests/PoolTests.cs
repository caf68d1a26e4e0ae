using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using OrProject.Projections.Accounts;
using OrProject.Projections.Settings;
using OrProject.Testing;
using OrProject.Worker.Accounts;

namespace OrProject.EndToEnd.Tests;

/// <summary>
/// A pool whose seeded account always answers 429; each test adds accounts that behave by their key
/// (the fake upstream reads <c>x-api-key</c>): rate limited, overloaded, bad credentials or healthy.
/// </summary>
public sealed class PoolFixture : GatewayFixture
{
    protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>
    {
        ["Upstream:Key"] = "rate-limited-60",
        ["Pool:FailureCooldownSeconds"] = "30",
        ["Pool:CircuitBreakSeconds"] = "1",
    };

    /// <summary>
    /// Every test starts from a pool of only the seeded (always rate-limited) account, back in service, or of no
    /// account at all; returns once the worker's own view of the pool has caught up.
    /// </summary>
    public async Task ResetPoolAsync(bool keepSeeded)
    {
        Upstream.Reset();
        foreach (var account in (await AdminGetAsync("/admin/api/accounts")).EnumerateArray())
        {
            var id = account.GetProperty("id").GetString();
            var seeded = account.GetProperty("name").GetString() == "seeded";
            using var _ = await AdminSendAsync(HttpMethod.Post, $"/admin/api/accounts/{id}/{(seeded && keepSeeded ? "enable" : "disable")}");
        }

        await WorkerCaughtUpAsync();
    }

    /// <summary>Waits until the edge and the worker both apply the settings' tool mode.</summary>
    public Task SettingsAppliedAsync(string toolMode) => SettingsAppliedAsync(s => s.ToolMode == toolMode);

    public async Task<string> AddAccountAsync(string apiKey, int weight = 1, int maxConcurrency = 0)
    {
        using var response = await AdminSendAsync(HttpMethod.Post, "/admin/api/accounts",
            new { name = apiKey, kind = "anthropic", baseUrl = Upstream.BaseAddress, apiKey, weight, maxConcurrency });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(created.TryGetProperty("apiKey", out _));
        return created.GetProperty("id").GetString()!;
    }

    public async Task<List<JsonElement>> EventsAsync(string streamId) =>
        [.. (await AdminGetAsync($"/admin/api/events?stream={streamId}")).EnumerateArray()];

    public async Task<List<string>> EventTypesAsync(string streamId) =>
        [.. (await EventsAsync(streamId)).Select(e => e.GetProperty("type").GetString()!)];

    public async Task<JsonElement> AccountAsync(string id) =>
        (await AdminGetAsync("/admin/api/accounts")).EnumerateArray().Single(a => a.GetProperty("id").GetString() == id);

    public async Task<HttpResponseMessage> PostAsync(IssuedKey key, string text = "hi", string? session = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = JsonContent.Create(new { model = "claude-sonnet-4-5", max_tokens = 20, messages = new[] { new { role = "user", content = text } } }),
        };
        request.Headers.Add("x-api-key", key.Key);
        if (session is not null)
        {
            request.Headers.Add("x-claude-code-session-id", session);
        }

        return await Http.SendAsync(request);
    }
}

[CollectionDefinition(nameof(PoolCollection))]
public sealed class PoolCollection : ICollectionFixture<PoolFixture>;

[Collection(nameof(PoolCollection))]
public sealed class PoolTests(PoolFixture fixture) : IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        await fixture.ResetPoolAsync(keepSeeded: true);
        fixture.Upstream.Respond = (ctx, request) => request.Headers.GetValueOrDefault("x-api-key") switch
        {
            "rate-limited-60" => FakeAnthropic.WriteErrorAsync(ctx, 429, "rate_limit_error", "Number of requests has exceeded your rate limit", retryAfterSeconds: 60),
            "rate-limited-1" => FakeAnthropic.WriteErrorAsync(ctx, 429, "rate_limit_error", "Slow down", retryAfterSeconds: 1),
            "overloaded" => FakeAnthropic.WriteErrorAsync(ctx, 529, "overloaded_error", "Overloaded"),
            "revoked" => FakeAnthropic.WriteErrorAsync(ctx, 401, "authentication_error", "invalid x-api-key"),
            _ => FakeAnthropic.WriteTextAsync(ctx, ["ok"]),
        };
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Requests_SomeAccountsFailing_AllSucceedAndFailingAccountsAreNotHammered()
    {
        // Heavier weights put the failing accounts first in line, so each of them is certainly tried.
        var overloaded = await AddAccountAsync("overloaded", weight: 10);
        var revoked = await AddAccountAsync("revoked", weight: 10);
        var healthy = await AddAccountAsync("healthy");
        await fixture.WorkerCaughtUpAsync();
        var key = await fixture.IssueKeyAsync();

        for (var i = 0; i < 12; i++)
        {
            using var response = await PostAsync(key);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var byKey = fixture.Upstream.Requests.GroupBy(r => r.Headers["x-api-key"]).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(12, byKey["healthy"]);
        Assert.True(byKey.GetValueOrDefault("rate-limited-60") <= 1, "a rate-limited account was tried again during its cooldown");
        Assert.Equal(1, byKey["overloaded"]);   // tried once, then cooling: not hammered
        Assert.Equal(1, byKey["revoked"]);      // tried once, then taken out

        var accounts = (await fixture.AdminGetAsync("/admin/api/accounts")).EnumerateArray().ToDictionary(a => a.GetProperty("id").GetString()!);
        Assert.Equal("disabled", accounts[revoked].GetProperty("status").GetString());
        Assert.Contains("401", accounts[revoked].GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Contains(await EventTypesAsync(revoked), t => t == "AccountDisabled");

        Assert.Equal("cooling", accounts[overloaded].GetProperty("status").GetString());
        var events = await EventsAsync(overloaded);
        var rotated = events.Single(e => e.GetProperty("type").GetString() == "AccountRotated");
        Assert.Equal(529, rotated.GetProperty("data").GetProperty("status").GetInt32());
        Assert.Contains(events, e => e.GetProperty("type").GetString() == "AccountCooledDown");

        Assert.Equal("active", accounts[healthy].GetProperty("status").GetString());
    }

    [Fact]
    public async Task Requests_EveryAccountRateLimited_ClientGetsOne429WithRetryAfter()
    {
        await AddAccountAsync("rate-limited-60");
        await fixture.WorkerCaughtUpAsync();
        var key = await fixture.IssueKeyAsync();

        using var response = await PostAsync(key);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("rate_limit_error", body.GetProperty("error").GetProperty("type").GetString());
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal(2, fixture.Upstream.Requests.Count); // each account once, then the client is answered
    }

    [Fact]
    public async Task Cooldown_Expires_AccountIsRestoredByItself()
    {
        var shortLived = await AddAccountAsync("rate-limited-1");
        await fixture.WorkerCaughtUpAsync();
        var key = await fixture.IssueKeyAsync();
        using (await PostAsync(key))
        {
        }

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!(await EventTypesAsync(shortLived)).Any(t => t == "AccountRestored"))
        {
            Assert.True(DateTime.UtcNow < deadline, "the account was not restored after its cooldown");
            await Task.Delay(200);
        }

        var account = (await fixture.AdminGetAsync("/admin/api/accounts")).EnumerateArray().Single(a => a.GetProperty("id").GetString() == shortLived);
        Assert.Equal("active", account.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Settings_Changed_RunningEdgeAndWorkerApplyThemWithoutRestart()
    {
        await AddAccountAsync("healthy");
        await fixture.WorkerCaughtUpAsync(); // else the worker may know only the seeded account, which always answers 429
        using (var put = await fixture.AdminSendAsync(HttpMethod.Put, "/admin/api/settings", new
        {
            systemPrompt = "Company policy first.",
            modelAliases = new Dictionary<string, string> { ["fast"] = "claude-haiku-4-5" },
            toolMode = "flatten",
        }))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        try
        {
            await fixture.SettingsAppliedAsync("flatten");
            var key = await fixture.IssueKeyAsync();
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
            {
                Content = JsonContent.Create(new
                {
                    model = "fast", max_tokens = 20, system = "Client system.",
                    tools = new[] { new { name = "lookup", description = "Looks things up", input_schema = new { type = "object" } } },
                    messages = new[] { new { role = "user", content = "hi" } },
                }),
            };
            request.Headers.Add("x-api-key", key.Key);
            using var response = await fixture.Http.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());

            var sent = JsonNode.Parse(fixture.Upstream.Requests.Single(r => r.Headers["x-api-key"] == "healthy").Body)!;
            Assert.Equal("claude-haiku-4-5", (string?)sent["model"]);                      // alias, resolved at the edge
            Assert.Equal("Company policy first.", (string?)sent["system"]![0]!["text"]);   // admin prompt first
            Assert.Equal("Client system.", (string?)sent["system"]![1]!["text"]);
            Assert.Null(sent["tools"]);                                                  // flattened by the worker
            Assert.Contains("lookup", sent["system"]!.ToJsonString(), StringComparison.Ordinal);
        }
        finally
        {
            using var reset = await fixture.AdminSendAsync(HttpMethod.Put, "/admin/api/settings", new { toolMode = "native" });
            await fixture.SettingsAppliedAsync("native");
        }
    }

    private Task<string> AddAccountAsync(string apiKey, int weight = 1) => fixture.AddAccountAsync(apiKey, weight);

    private Task<List<JsonElement>> EventsAsync(string streamId) => fixture.EventsAsync(streamId);

    private Task<List<string>> EventTypesAsync(string streamId) => fixture.EventTypesAsync(streamId);

    private Task<HttpResponseMessage> PostAsync(IssuedKey key) => fixture.PostAsync(key);

    private Task<HttpResponseMessage> AdminPostAsync(string path, object? body) => fixture.AdminSendAsync(HttpMethod.Post, path, body);
}
