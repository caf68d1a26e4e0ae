using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using OrProject.Contracts.Events;
using OrProject.Contracts.Pricing;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

/// <summary>
/// The model table's limits: an admin sets a model's output limit and context window, the edge holds requests to
/// the one and <c>/v1/models</c> advertises both, as Anthropic's model objects do.
/// </summary>
[Collection(nameof(GatewayCollection))]
public sealed class ModelTableLimitsTests(GatewayFixture fixture) : GatewayTest(fixture)
{
    private const string Limited = "acme-large";

    [Fact]
    public async Task ModelTable_LimitsSet_MaxTokensHeldToThemOnEveryRouteAndAdvertised()
    {
        var table = PriceCatalog.Default.Append(new ModelPrice(Limited, 1m, 2m, 0m, 0m, MaxOutputTokens: 1000, ContextWindow: 32_000)).ToArray();
        using var put = await Fixture.AdminSendAsync(HttpMethod.Put, "/admin/api/models", table);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        try
        {
            var key = await Fixture.IssueKeyAsync();
            var advertised = await EventuallyAsync(() => ModelAsync(key.Key, Limited), m => m?["max_tokens"] is not null);
            Assert.Equal(1000, (int)advertised!["max_tokens"]!);
            Assert.Equal(32_000, (int)advertised["max_input_tokens"]!);

            var body = JsonNode.Parse(Body())!.AsObject();
            body["model"] = Limited;
            body["max_tokens"] = 1001;
            using var refused = await SendAsync(Post("/v1/messages", body.ToJsonString(), key.Key));
            Assert.Equal(400, (int)refused.StatusCode);
            var error = AssertErrorEnvelope(await ReadJsonAsync(refused), "invalid_request_error");
            Assert.Equal($"max_tokens: 1001 > 1000, which is the maximum allowed number of output tokens for {Limited}", (string?)error["message"]);

            using var chatRefused = await SendAsync(Chat(key.Key, "\"max_completion_tokens\": 1001, "));
            Assert.Equal(400, (int)chatRefused.StatusCode);
            Assert.Contains("supports at most 1000 completion tokens", (string?)(await ReadJsonAsync(chatRefused))["error"]!["message"], StringComparison.Ordinal);
            using var responsesRefused = await SendAsync(OpenAi(key.Key, "/v1/responses",
                $$"""{"model": "{{Limited}}", "max_output_tokens": 1001, "input": "hi"}"""));
            Assert.Equal(400, (int)responsesRefused.StatusCode);
            Assert.Contains("supports at most 1000 completion tokens", (string?)(await ReadJsonAsync(responsesRefused))["error"]!["message"], StringComparison.Ordinal);
            Assert.Empty(Upstream.Requests);

            // An OpenAI-format request without max_tokens gets the table's limit, not the id's default.
            using var served = await SendAsync(Chat(key.Key, ""));
            Assert.Equal(200, (int)served.StatusCode);
            var sent = JsonNode.Parse(Assert.Single(Upstream.Requests).Body)!;
            Assert.Equal(1000, (int)sent["max_tokens"]!);
        }
        finally
        {
            using var restore = await Fixture.AdminSendAsync(HttpMethod.Put, "/admin/api/models", PriceCatalog.Default);
        }
    }

    [Fact]
    public async Task Models_ClaudeWithoutLimitsInTheTable_AdvertisesWhatItsIdImplies()
    {
        var key = await Fixture.IssueKeyAsync();

        var model = await ModelAsync(key.Key, "claude-sonnet-4-5");

        Assert.Equal(64_000, (int)model!["max_tokens"]!);
        Assert.Equal(200_000, (int)model["max_input_tokens"]!);
    }

    [Theory]
    [InlineData("""{"maxOutputTokens": 0}""", "maxOutputTokens and contextWindow must be 1 or more")]
    [InlineData("""{"maxOutputTokens": 5000, "contextWindow": 4000}""", "maxOutputTokens (5000) cannot exceed contextWindow (4000)")]
    [InlineData("""{"contextWindow": "big"}""", "contextWindow")]
    [InlineData("""{"longPromptInputFactor": 5}""", "need longPromptAboveTokens")]
    [InlineData("""{"longPromptAboveTokens": 0, "longPromptInputFactor": 5}""", "longPromptAboveTokens must be 1 or more")]
    [InlineData("""{"longPromptAboveTokens": 100, "longPromptOutputFactor": -1}""", "the long-prompt factors must be 0 or more")]
    public async Task ModelTable_BadLimits_RefusedSayingWhy(string limits, string expected)
    {
        var row = JsonNode.Parse("""{"id": "acme-bad", "inputUsdPerMTok": 1, "outputUsdPerMTok": 2, "cacheWriteUsdPerMTok": 0, "cacheReadUsdPerMTok": 0}""")!.AsObject();
        foreach (var (name, value) in JsonNode.Parse(limits)!.AsObject())
        {
            row[name] = value?.DeepClone();
        }

        var before = (await Fixture.AdminGetAsync("/admin/api/models")).GetRawText();

        using var put = await Fixture.AdminSendAsync(HttpMethod.Put, "/admin/api/models", new JsonArray(row));

        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.Contains(expected, await put.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, (await Fixture.AdminGetAsync("/admin/api/models")).GetRawText());
    }

    private async Task<JsonObject?> ModelAsync(string key, string id)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/models/{id}");
        request.Headers.TryAddWithoutValidation("x-api-key", key);
        request.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
        using var response = await SendAsync(request);
        return response.StatusCode == HttpStatusCode.OK ? await ReadJsonAsync(response) : null;
    }

    private static HttpRequestMessage Chat(string key, string maxTokens) =>
        OpenAi(key, "/v1/chat/completions", $$"""{"model": "{{Limited}}", {{maxTokens}}"messages": [{"role": "user", "content": "hi"}]}""");

    private static HttpRequestMessage OpenAi(string key, string path, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }
}
