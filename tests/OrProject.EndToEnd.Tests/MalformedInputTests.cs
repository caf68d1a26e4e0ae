using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

/// <summary>Bad input of every kind on every generation route: a 4xx in the route's own envelope, never a 500.</summary>
[Collection(nameof(GatewayCollection))]
public sealed class MalformedInputTests(GatewayFixture fixture) : IAsyncLifetime
{
    public static readonly TheoryData<string> Routes = new() { "/v1/messages", "/v1/messages/count_tokens", "/v1/chat/completions", "/v1/responses" };

    private static readonly (string Name, byte[] Body, int Status)[] Inputs =
    [
        ("empty body", [], 400),
        ("truncated JSON", Encoding.UTF8.GetBytes("""{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"""), 400),
        ("not an object", Encoding.UTF8.GetBytes("""["model"]"""), 400),
        ("a bare string", Encoding.UTF8.GetBytes("\"hello\""), 400),
        ("invalid UTF-8", [.. Encoding.UTF8.GetBytes("""{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":"a"""), 0xC3, 0x28, .. Encoding.UTF8.GetBytes("\"}]}")], 400),
        ("model is a number", Encoding.UTF8.GetBytes("""{"model":5,"max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"""), 400),
        ("messages is a string", Encoding.UTF8.GetBytes("""{"model":"claude-sonnet-4-5","max_tokens":5,"messages":"hi"}"""), 400),
        ("max_tokens is text", Encoding.UTF8.GetBytes("""{"model":"claude-sonnet-4-5","max_tokens":"many","messages":[{"role":"user","content":"hi"}]}"""), 400),
        ("deeply nested", Encoding.UTF8.GetBytes(new string('[', 5000) + new string(']', 5000)), 400),
    ];

    public Task InitializeAsync() => fixture.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Post_MalformedBodies_Answer4xxInTheRoutesEnvelope(string route)
    {
        var key = await fixture.IssueKeyAsync();
        foreach (var (name, body, _) in Inputs)
        {
            if (route.EndsWith("count_tokens", StringComparison.Ordinal) && name == "max_tokens is text")
            {
                continue; // count_tokens takes no max_tokens: the field is ignored there, as unknown fields are
            }

            using var response = await PostAsync(route, key.Key, body);
            var status = (int)response.StatusCode;
            Assert.True(status is >= 400 and < 500, $"{route} with {name}: {status}");
            AssertEnvelope(route, await response.Content.ReadAsStringAsync(), name);
        }

        Assert.Empty(fixture.Upstream.Requests); // nothing malformed reached a worker
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Post_BodyOverTheLimit_Answers413(string route)
    {
        var key = await fixture.IssueKeyAsync();
        var huge = Encoding.UTF8.GetBytes("{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"" +
            new string('a', (32 * 1024 * 1024) + 10) + "\"}]}");

        using var response = await PostAsync(route, key.Key, huge);

        Assert.Equal(413, (int)response.StatusCode);
        AssertEnvelope(route, await response.Content.ReadAsStringAsync(), "huge body");
    }

    [Fact]
    public async Task Post_UnknownContentBlockType_PassesThroughAndUpstreamRefusalIsRelayed()
    {
        fixture.Upstream.Respond = (ctx, _) => FakeAnthropic.WriteErrorAsync(ctx, 400, "invalid_request_error", "messages.0.content.0: unknown block type 'hologram'");
        var key = await fixture.IssueKeyAsync();
        var body = """{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":[{"type":"hologram","data":"x"}]}]}""";

        using var response = await PostAsync("/v1/messages", key.Key, Encoding.UTF8.GetBytes(body));

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Contains("hologram", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var sent = JsonNode.Parse(fixture.Upstream.Requests.Single().Body)!;
        Assert.Equal("hologram", (string?)sent["messages"]![0]!["content"]![0]!["type"]);
    }

    /// <summary>
    /// The edge reads a body with a <c>Content-Length</c> into one array of that size up to 1 MiB, and larger or
    /// chunked ones through a growing buffer: each reaches the upstream whole, quotes, backslashes and non-ASCII intact.
    /// </summary>
    [Theory]
    [InlineData(false, 1_000)]
    [InlineData(false, 1_500_000)]
    [InlineData(true, 300_000)]
    public async Task Post_BodiesWithAndWithoutALength_ReachTheUpstreamWhole(bool chunked, int textLength)
    {
        var key = await fixture.IssueKeyAsync(budgetUsd: 100m);
        var text = string.Concat(Enumerable.Repeat("é \"quoted\" \\ line\n", (textLength / 18) + 1))[..textLength];
        var body = Encoding.UTF8.GetBytes(new JsonObject
        {
            ["model"] = "claude-sonnet-4-5",
            ["max_tokens"] = 5,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = text }),
        }.ToJsonString());

        using var response = await PostAsync("/v1/messages", key.Key, body, chunked);

        Assert.Equal(200, (int)response.StatusCode);
        var sent = JsonNode.Parse(fixture.Upstream.Requests.Single().Body)!;
        Assert.Equal(text, (string?)sent["messages"]![0]!["content"]);
    }

    private async Task<HttpResponseMessage> PostAsync(string route, string key, byte[] body, bool chunked = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, route) { Content = new ByteArrayContent(body) };
        request.Headers.TransferEncodingChunked = chunked; // no Content-Length then
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await fixture.Http.SendAsync(request);
    }

    private static void AssertEnvelope(string route, string text, string input)
    {
        var json = JsonNode.Parse(text)!;
        if (route.StartsWith("/v1/messages", StringComparison.Ordinal))
        {
            Assert.True((string?)json["type"] == "error" && json["error"]?["message"] is not null, $"{route} with {input}: {text}");
        }
        else
        {
            Assert.True(json["error"]?["message"] is not null && json["error"]?["type"] is not null, $"{route} with {input}: {text}");
        }
    }
}
