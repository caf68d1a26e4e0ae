using System.Net.Http.Json;
using System.Text.Json.Nodes;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

/// <summary>Two edges and three workers on one broker and one database.</summary>
public sealed class ScaleOutFixture : GatewayFixture;

[CollectionDefinition(nameof(ScaleOutCollection))]
public sealed class ScaleOutCollection : ICollectionFixture<ScaleOutFixture>;

[Collection(nameof(ScaleOutCollection))]
public sealed class ScaleOutTests(ScaleOutFixture fixture) : IAsyncLifetime
{
    public Task InitializeAsync() => fixture.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Streams_SpreadOverTwoEdgesAndThreeWorkers_EachReachesTheEdgeHoldingItsConnection()
    {
        await using var secondEdge = await fixture.StartEdgeAsync();
        await using var secondWorker = await fixture.StartWorkerAsync("worker-2");
        await using var thirdWorker = await fixture.StartWorkerAsync("worker-3");
        using var secondHttp = new HttpClient { BaseAddress = new Uri(GatewayFixture.PublicUrl(secondEdge)) };
        await GatewayFixture.WaitReadyAsync(secondHttp, TimeSpan.FromSeconds(10));

        // The upstream echoes each request's number back in pieces, so a chunk delivered to the wrong edge shows.
        fixture.Upstream.Respond = (ctx, request) =>
        {
            var n = (string)JsonNode.Parse(request.Body)!["messages"]![0]!["content"]!;
            return FakeAnthropic.WriteTextAsync(ctx, [$"<{n}", ":", $"{n}>"], delayMs: 5);
        };
        var key = await fixture.IssueKeyAsync(budgetUsd: 100m);
        const int count = 60;

        var results = await Task.WhenAll(Enumerable.Range(0, count).Select(async n =>
        {
            var http = n % 2 == 0 ? fixture.Http : secondHttp;
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
            {
                Content = JsonContent.Create(new { model = "claude-sonnet-4-5", max_tokens = 20, stream = true, messages = new[] { new { role = "user", content = n.ToString(System.Globalization.CultureInfo.InvariantCulture) } } }),
            };
            request.Headers.Add("x-api-key", key.Key);
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            var text = string.Concat(body.Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal))
                .Select(l => JsonNode.Parse(l[6..])!).Where(d => (string?)d["type"] == "content_block_delta")
                .Select(d => (string?)d["delta"]!["text"]));
            return (n, text, stopped: body.Contains("event: message_stop", StringComparison.Ordinal));
        }));

        Assert.All(results, r =>
        {
            Assert.Equal($"<{r.n}:{r.n}>", r.text);
            Assert.True(r.stopped);
        });
        using var usage = new HttpRequestMessage(HttpMethod.Get, "/usage/me");
        usage.Headers.Add("x-api-key", key.Key);
        using var me = await secondHttp.SendAsync(usage);
        Assert.Equal(count, (long)(await me.Content.ReadFromJsonAsync<JsonObject>())!["requests"]!);
    }
}
