using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

/// <summary>
/// The gateway is transparent to an Anthropic upstream: every body field, known or not, reaches it untouched; only
/// <c>stream</c> is forced on (workers always stream) and the credential is swapped for the account's own.
/// </summary>
[Collection(nameof(GatewayCollection))]
public sealed class MessagesPassThroughTests(GatewayFixture fixture) : GatewayTest(fixture)
{
    private const string Betas = "context-management-2025-06-27,interleaved-thinking-2025-05-14,claude-code-20250219";

    /// <summary>What Claude Code sends, plus fields from the future: nothing here may be dropped or rewritten.</summary>
    private const string ClaudeCodeBody = """
    {
      "model": "claude-sonnet-4-5",
      "max_tokens": 32000,
      "system": [
        {"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.0; cc_entrypoint=cli; cch=abc;"},
        {"type": "text", "text": "You are Claude Code, Anthropic's official CLI for Claude."},
        {"type": "text", "text": "Long prompt…", "cache_control": {"type": "ephemeral", "ttl": "1h", "scope": "global"}}
      ],
      "messages": [
        {"role": "user", "content": [
          {"type": "text", "text": "<system-reminder>context</system-reminder>"},
          {"type": "text", "text": "List the files", "cache_control": {"type": "ephemeral"}}]},
        {"role": "assistant", "content": [
          {"type": "thinking", "thinking": "Use Bash.", "signature": "Eq+/sig=="},
          {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "ls -la"}}]},
        {"role": "user", "content": [
          {"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "a.txt"}], "is_error": false}]},
        {"role": "system", "content": "From here on, be brief."},
        {"role": "user", "content": "Thanks. Größe? 日本語"}
      ],
      "tools": [{"name": "Bash", "description": "Run a command", "eager_input_streaming": true,
                 "input_schema": {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
                                  "properties": {"command": {"type": "string"}}, "required": ["command"], "additionalProperties": false}}],
      "tool_choice": {"type": "auto", "disable_parallel_tool_use": false},
      "thinking": {"type": "adaptive"},
      "context_management": {"edits": [{"type": "clear_tool_uses_20250919", "trigger": {"type": "input_tokens", "value": 100000}}]},
      "output_config": {"effort": "high"},
      "cache_control": {"type": "ephemeral", "ttl": "5m"},
      "metadata": {"user_id": "user_abc_account_def_session_123"},
      "temperature": 1,
      "future_field": {"nested": [1, 2.5, "x", null, true]}
    }
    """;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Post_EveryKnownAndUnknownField_ReachesUpstreamUntouchedWithStreamForced(bool stream)
    {
        var key = await Fixture.IssueKeyAsync();
        var sent = JsonNode.Parse(ClaudeCodeBody)!.AsObject();
        if (stream)
        {
            sent["stream"] = true;
        }

        using var response = await SendAsync(Post("/v1/messages", sent.ToJsonString(), key.Key));
        await response.Content.ReadAsStringAsync();

        Assert.Equal(200, (int)response.StatusCode);
        var upstream = JsonNode.Parse(Assert.Single(Upstream.Requests).Body)!.AsObject();
        foreach (var (name, value) in sent)
        {
            if (name is not "stream")
            {
                Assert.True(JsonNode.DeepEquals(value, upstream[name]), $"{name} changed: {value?.ToJsonString()} → {upstream[name]?.ToJsonString()}");
            }
        }

        Assert.Equal(sent.Select(p => p.Key).Append("stream").Distinct().Order(), upstream.Select(p => p.Key).Order());
        Assert.True((bool)upstream["stream"]!);
        Assert.Equal(Model, (string?)upstream["model"]);
    }

    [Theory]
    [InlineData("x-api-key")]
    [InlineData("bearer")]
    public async Task Post_AnthropicHeaders_ForwardedWithUpstreamKeyNeverClientKey(string auth)
    {
        var key = await Fixture.IssueKeyAsync();
        using var request = Post("/v1/messages", Body(), key: null);
        if (auth == "bearer")
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key.Key);
        }
        else
        {
            request.Headers.TryAddWithoutValidation("x-api-key", key.Key);
        }

        request.Headers.TryAddWithoutValidation("anthropic-beta", Betas);

        using var response = await SendAsync(request);
        await response.Content.ReadAsStringAsync();

        Assert.Equal(200, (int)response.StatusCode);
        var headers = Assert.Single(Upstream.Requests).Headers;
        Assert.Equal("upstream-secret", headers["x-api-key"]);
        Assert.Equal("2023-06-01", headers["anthropic-version"]);
        Assert.Equal(Betas, headers["anthropic-beta"]);
        Assert.False(headers.ContainsKey("authorization"));
        Assert.DoesNotContain(headers, h => h.Value.Contains(key.Key, StringComparison.Ordinal));
        Assert.DoesNotContain(key.Key, Upstream.Requests.Single().Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Post_NoAnthropicVersion_UpstreamGetsDefaultVersion()
    {
        var key = await Fixture.IssueKeyAsync();
        using var request = Post("/v1/messages", Body(), key.Key);
        request.Headers.Remove("anthropic-version");

        using var response = await SendAsync(request);
        await response.Content.ReadAsStringAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("2023-06-01", Assert.Single(Upstream.Requests).Headers["anthropic-version"]);
    }

    [Theory]
    [InlineData("/v1/messages?beta=true")]
    [InlineData("/v1/v1/messages")]
    [InlineData("/v1/v1/messages?beta=true")]
    public async Task Post_BetaQueryOrDoubledPrefix_RoutesToMessages(string path)
    {
        var key = await Fixture.IssueKeyAsync();

        using var response = await SendAsync(Post(path, Body(), key.Key));
        var message = await ReadJsonAsync(response);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("message", (string?)message["type"]);
        Assert.Equal("/v1/messages", Assert.Single(Upstream.Requests).Path);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/api/hello")]
    public async Task Head_ConnectivityProbe_Returns200(string path)
    {
        using var response = await Fixture.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, path));

        Assert.Equal(200, (int)response.StatusCode);
        Assert.StartsWith("req_", response.Headers.GetValues("request-id").Single(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("stream")]
    [InlineData("invalid")]
    [InlineData("unauthenticated")]
    [InlineData("unknown-route")]
    [InlineData("upstream-error")]
    public async Task Response_AnyOutcome_CarriesRequestId(string outcome)
    {
        var key = await Fixture.IssueKeyAsync();
        if (outcome == "upstream-error")
        {
            Upstream.Respond = (ctx, _) => FakeAnthropic.WriteErrorAsync(ctx, 400, "invalid_request_error", "prompt is too long");
        }

        using var request = outcome switch
        {
            "json" or "upstream-error" => Post("/v1/messages", Body(), key.Key),
            "stream" => Post("/v1/messages", Body(stream: true), key.Key),
            "invalid" => Post("/v1/messages", "{", key.Key),
            "unauthenticated" => Post("/v1/messages", Body(), "sk-orp-unknown"),
            _ => Post("/v1/nowhere", Body(), key.Key),
        };

        using var response = await SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        var id = Assert.Single(response.Headers.GetValues("request-id"));
        Assert.Matches("^req_[0-9a-f]{32}$", id);
        if (outcome is "invalid" or "unauthenticated" or "unknown-route")
        {
            // The gateway's own errors name the request in the body too, as Anthropic's do.
            Assert.Equal(id, (string?)JsonNode.Parse(body)!["request_id"]);
        }
    }
}
