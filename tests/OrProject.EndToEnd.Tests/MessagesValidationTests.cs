using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

/// <summary>Requests the gateway refuses itself, in Anthropic's envelope and status, before any work is queued.</summary>
[Collection(nameof(GatewayCollection))]
public sealed class MessagesValidationTests(GatewayFixture fixture) : GatewayTest(fixture)
{
    [Theory]
    [InlineData("{")]
    [InlineData("{\"model\": \"claude-sonnet-4-5\",}")]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("[1, 2]")]
    [InlineData("null")]
    public async Task Post_MalformedJson_Returns400InvalidRequest(string body)
    {
        var key = await Fixture.IssueKeyAsync();

        using var response = await SendAsync(Post("/v1/messages", body, key.Key));

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        AssertErrorEnvelope(await ReadJsonAsync(response), "invalid_request_error");
        Assert.Empty(Upstream.Requests);
    }

    [Theory]
    [InlineData("99999999999999")]
    [InlineData("2147483648")]
    [InlineData("64001")]
    public async Task Post_MaxTokensBeyondTheModel_Returns400AtOnceInAnthropicsWords(string maxTokens)
    {
        var key = await Fixture.IssueKeyAsync();
        var body = JsonNode.Parse(Body())!.AsObject();
        body["max_tokens"] = JsonNode.Parse(maxTokens);
        var watch = System.Diagnostics.Stopwatch.StartNew();

        using var response = await SendAsync(Post("/v1/messages", body.ToJsonString(), key.Key));

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"answered after {watch.Elapsed}");
        Assert.Equal(400, (int)response.StatusCode);
        var error = AssertErrorEnvelope(await ReadJsonAsync(response), "invalid_request_error");
        Assert.Equal($"max_tokens: {maxTokens} > 64000, which is the maximum allowed number of output tokens for claude-sonnet-4-5", (string?)error["message"]);
        Assert.Empty(Upstream.Requests);
    }

    [Fact]
    public async Task ChatCompletions_MaxTokensBeyondTheModel_Returns400InOpenAisWords()
    {
        var key = await Fixture.IssueKeyAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(
                "{\"model\": \"claude-sonnet-4-5\", \"max_completion_tokens\": 100000, \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}",
                System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key.Key);

        using var response = await SendAsync(request);

        Assert.Equal(400, (int)response.StatusCode);
        var error = (await ReadJsonAsync(response))["error"]!;
        Assert.Equal("invalid_request_error", (string?)error["type"]);
        Assert.Equal("max_tokens is too large: 100000. This model supports at most 64000 completion tokens, whereas you provided 100000.",
            (string?)error["message"]);
        Assert.Empty(Upstream.Requests);
    }

    [Theory]
    [InlineData("GET", "/v1/messages", "POST", false)]
    [InlineData("DELETE", "/v1/messages/count_tokens", "POST", false)]
    [InlineData("GET", "/v1/chat/completions", "POST", true)]
    [InlineData("PUT", "/v1/responses", "POST", true)]
    public async Task KnownRoute_WrongMethod_Returns405WithAllowInTheProtocolsEnvelope(string method, string path, string allow, bool openAi)
    {
        var key = await Fixture.IssueKeyAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Add("x-api-key", key.Key);

        using var response = await SendAsync(request);

        Assert.Equal(405, (int)response.StatusCode);
        Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow));
        var body = await ReadJsonAsync(response);
        Assert.Equal(openAi ? null : "error", (string?)body["type"]);
        Assert.Contains($"{method} is not allowed on {path}", (string?)body["error"]!["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminApi_PostWithoutJsonContentType_Returns415NamingIt()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/api/keys")
        {
            Content = new StringContent("{\"name\":\"x\",\"budgetUsd\":1}", System.Text.Encoding.UTF8, "text/plain"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", GatewayFixture.AdminToken);

        using var response = await SendAsync(request);

        Assert.Equal(415, (int)response.StatusCode);
        Assert.Contains("application/json", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1/messages", "x-api-key", "invalid x-api-key")]
    [InlineData("/v1/messages", "bearer", "invalid bearer token (Authorization header)")]
    [InlineData("/v1/messages", null, "x-api-key header is required")]
    [InlineData("/v1/chat/completions", "bearer", "Incorrect API key provided: sk-orp-wr****3456. Keys are issued by this gateway's operator.")]
    public async Task UnknownKey_MessageNamesTheCredentialSent(string path, string? credential, string message)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(Body(), System.Text.Encoding.UTF8, "application/json") };
        if (credential == "x-api-key")
        {
            request.Headers.Add("x-api-key", "sk-orp-wrong-123456");
        }
        else if (credential == "bearer")
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk-orp-wrong-123456");
        }

        using var response = await SendAsync(request);

        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal(message, (string?)(await ReadJsonAsync(response))["error"]!["message"]);
    }

    [Theory]
    [InlineData("max_tokens")]
    [InlineData("messages")]
    [InlineData("model")]
    public async Task Post_RequiredFieldMissing_Returns400NamingTheField(string field)
    {
        var key = await Fixture.IssueKeyAsync();
        var body = JsonNode.Parse(Body())!.AsObject();
        body.Remove(field);

        using var response = await SendAsync(Post("/v1/messages", body.ToJsonString(), key.Key));

        Assert.Equal(400, (int)response.StatusCode);
        var error = AssertErrorEnvelope(await ReadJsonAsync(response), "invalid_request_error");
        Assert.StartsWith(field + ":", (string?)error["message"], StringComparison.Ordinal);
        Assert.Empty(Upstream.Requests);
    }

    [Theory]
    [InlineData("max_tokens", "\"100\"")]
    [InlineData("max_tokens", "1.5")]
    [InlineData("max_tokens", "-1")]
    [InlineData("max_tokens", "null")]
    [InlineData("messages", "\"Hello\"")]
    [InlineData("messages", "{}")]
    [InlineData("messages", "[1]")]
    [InlineData("messages", "[{\"role\": \"bot\", \"content\": \"Hi\"}]")]
    [InlineData("messages", "[{\"role\": \"user\"}]")]
    [InlineData("model", "5")]
    [InlineData("model", "[\"claude-sonnet-4-5\"]")]
    [InlineData("model", "\"\"")]
    [InlineData("stream", "\"yes\"")]
    public async Task Post_FieldOfWrongType_Returns400NamingTheField(string field, string json)
    {
        var key = await Fixture.IssueKeyAsync();
        var body = JsonNode.Parse(Body())!.AsObject();
        body[field] = JsonNode.Parse(json);

        using var response = await SendAsync(Post("/v1/messages", body.ToJsonString(), key.Key));

        Assert.Equal(400, (int)response.StatusCode);
        var error = AssertErrorEnvelope(await ReadJsonAsync(response), "invalid_request_error");
        Assert.StartsWith(field, (string?)error["message"], StringComparison.Ordinal);
        Assert.Empty(Upstream.Requests);
    }

    [Fact]
    public async Task Post_MaxTokensZero_IsAccepted()
    {
        var key = await Fixture.IssueKeyAsync();
        var body = JsonNode.Parse(Body())!.AsObject();
        body["max_tokens"] = 0;

        using var response = await SendAsync(Post("/v1/messages", body.ToJsonString(), key.Key));
        await response.Content.ReadAsStringAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(0, (int)JsonNode.Parse(Assert.Single(Upstream.Requests).Body)!["max_tokens"]!);
    }

    [Theory]
    [InlineData("POST", "/v1/nowhere")]
    [InlineData("GET", "/v1/messages/batches/unknown")]
    [InlineData("POST", "/v2/messages")]
    public async Task Request_UnknownRoute_Returns404NotFound(string method, string path)
    {
        var key = await Fixture.IssueKeyAsync();
        using var request = Post(path, Body(), key.Key);
        request.Method = new HttpMethod(method);
        if (method == "GET")
        {
            request.Content = null;
        }

        using var response = await SendAsync(request);

        Assert.Equal(404, (int)response.StatusCode);
        AssertErrorEnvelope(await ReadJsonAsync(response), "not_found_error");
    }

    [Fact]
    public async Task Post_NoKey_Returns401AuthenticationError()
    {
        using var response = await SendAsync(Post("/v1/messages", Body(), key: null));

        Assert.Equal(401, (int)response.StatusCode);
        AssertErrorEnvelope(await ReadJsonAsync(response), "authentication_error");
        Assert.Empty(Upstream.Requests);
    }

    [Fact]
    public async Task Post_UnknownBearerToken_Returns401AuthenticationError()
    {
        using var request = Post("/v1/messages", Body(), key: null);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk-orp-not-a-real-key");

        using var response = await SendAsync(request);

        Assert.Equal(401, (int)response.StatusCode);
        AssertErrorEnvelope(await ReadJsonAsync(response), "authentication_error");
    }

    [Fact]
    public async Task Create_UnknownKey_SdkRaisesUnauthorized()
    {
        var client = await ClientAsync(new IssuedKey("key_none", "sk-orp-" + new string('x', 40)));

        var ex = await Assert.ThrowsAsync<AnthropicUnauthorizedException>(() => client.Messages.Create(new MessageCreateParams
        {
            MaxTokens = 100,
            Model = Model,
            Messages = [new UserMessageParam("Hello")],
        }));

        Assert.Equal(401, (int)ex.StatusCode);
        Assert.Equal("authentication_error", ex.Type?.Raw());
        Assert.StartsWith("req_", ex.RequestID, StringComparison.Ordinal);
        Assert.Empty(Upstream.Requests);
    }

    [Fact]
    public async Task Post_KeyBudgetSpent_Returns429WithoutCallingUpstream()
    {
        var key = await Fixture.IssueKeyAsync(budgetUsd: 0m);

        using var response = await SendAsync(Post("/v1/messages", Body(), key.Key));

        Assert.Equal(429, (int)response.StatusCode);
        AssertErrorEnvelope(await ReadJsonAsync(response), "rate_limit_error");
        Assert.Empty(Upstream.Requests);
    }

    [Fact]
    public async Task Post_KeyDisabled_Returns403PermissionError()
    {
        var key = await Fixture.IssueKeyAsync();
        using (var disabled = await Fixture.AdminSendAsync(HttpMethod.Post, $"/admin/api/keys/{key.Id}/disable"))
        {
            disabled.EnsureSuccessStatusCode();
        }

        using var response = await SendAsync(Post("/v1/messages", Body(), key.Key));

        Assert.Equal(403, (int)response.StatusCode);
        AssertErrorEnvelope(await ReadJsonAsync(response), "permission_error");
        Assert.Empty(Upstream.Requests);
    }
}
