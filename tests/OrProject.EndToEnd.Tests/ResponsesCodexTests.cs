using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

/// <summary>
/// Codex CLI's use of the Responses API (<c>wire_api = "responses"</c>) through the gateway to an Anthropic-format
/// upstream. Plain JSON over HttpClient rather than the OpenAI SDK: the requests must be exactly what Codex sends
/// (<c>include</c>, <c>store: false</c>, custom and namespace tools, reasoning items replayed with their
/// <c>encrypted_content</c>), and the SDK's Responses client is experimental and models only part of that.
/// </summary>
[Collection(nameof(GatewayCollection))]
public sealed class ResponsesCodexTests(GatewayFixture fixture) : IAsyncLifetime
{
    private const string Signature = "EqQBCkYIBxgCKkD-signed-by-anthropic";
    private const string Thinking = "I should list the files before changing anything.";

    public Task InitializeAsync() => fixture.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ToolLoop_WithReasoningEffortHigh_ReplaysTheSignedThinkingBlockFirstInTheAssistantTurn()
    {
        var key = await fixture.IssueKeyAsync();
        fixture.Upstream.Respond = (ctx, _) => FakeAnthropic.WriteEventsAsync(ctx,
            FakeAnthropicThinking.ThinkingThenToolUse(Thinking, Signature, "toolu_01", "shell_command", """{"command":"ls"}"""));
        var user = new JsonObject { ["type"] = "message", ["role"] = "user", ["content"] = new JsonArray(Text("List the files.")) };

        var first = await StreamAsync(key.Key, Request(new JsonArray(user.DeepClone())));

        var output = first[^1]["response"]!["output"]!.AsArray();
        var reasoning = output.Single(i => (string?)i!["type"] == "reasoning")!;
        Assert.Equal(Thinking, (string?)reasoning["summary"]![0]!["text"]);
        Assert.StartsWith("orp.thinking.v1:", (string?)reasoning["encrypted_content"]);
        Assert.Contains(first, e => (string?)e["type"] == "response.reasoning_summary_text.delta");
        var call = output.Single(i => (string?)i!["type"] == "function_call")!;
        Assert.Equal("shell_command", (string?)call["name"]);

        // Turn 2 as Codex sends it: the whole history, with the output items it kept (from output_item.done).
        fixture.Upstream.Respond = (ctx, _) => FakeAnthropic.WriteTextAsync(ctx, ["a.py ", "b.py"]);
        var done = first.Where(e => (string?)e["type"] == "response.output_item.done").Select(e => e["item"]!.DeepClone()).ToList();
        var history = new JsonArray(user.DeepClone());
        foreach (var item in done)
        {
            item.AsObject().Remove("id");
            history.Add(item);
        }

        history.Add(new JsonObject { ["type"] = "function_call_output", ["call_id"] = "toolu_01", ["output"] = "a.py\nb.py" });
        var second = await StreamAsync(key.Key, Request(history));

        Assert.Equal("response.completed", (string?)second[^1]["type"]);
        var upstream = fixture.Upstream.Requests.Select(r => JsonNode.Parse(r.Body)!).ToList();
        Assert.Equal(2, upstream.Count);
        Assert.Equal("enabled", (string?)upstream[1]["thinking"]!["type"]);
        var assistant = upstream[1]["messages"]![1]!;
        Assert.Equal("assistant", (string?)assistant["role"]);
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse($$"""{"type":"thinking","thinking":"{{Thinking}}","signature":"{{Signature}}"}"""),
            assistant["content"]![0]));
        Assert.Equal("tool_use", (string?)assistant["content"]![1]!["type"]);
        Assert.Equal("tool_result", (string?)upstream[1]["messages"]![2]!["content"]![0]!["type"]);
    }

    [Fact]
    public async Task ToolLoop_HistoryWithoutReplayableReasoning_DropsThinkingInsteadOfBeingRefused()
    {
        var key = await fixture.IssueKeyAsync();
        fixture.Upstream.Respond = (ctx, _) => FakeAnthropic.WriteTextAsync(ctx, ["ok"]);
        var history = new JsonArray(
            new JsonObject { ["type"] = "message", ["role"] = "user", ["content"] = new JsonArray(Text("List the files.")) },
            new JsonObject { ["type"] = "reasoning", ["summary"] = new JsonArray(), ["encrypted_content"] = "gAAAAB-from-openai" },
            new JsonObject { ["type"] = "function_call", ["call_id"] = "call_1", ["name"] = "shell_command", ["arguments"] = """{"command":"ls"}""" },
            new JsonObject { ["type"] = "function_call_output", ["call_id"] = "call_1", ["output"] = "a.py" });

        var events = await StreamAsync(key.Key, Request(history));

        Assert.Equal("response.completed", (string?)events[^1]["type"]);
        Assert.Null(JsonNode.Parse(fixture.Upstream.Requests.Single().Body)!["thinking"]);
    }

    [Fact]
    public async Task CustomTool_CallComesBackAsCustomToolCallAndItsOutputAsToolResult()
    {
        var key = await fixture.IssueKeyAsync();
        fixture.Upstream.Respond = (ctx, _) => FakeAnthropic.WriteEventsAsync(ctx,
            FakeAnthropic.ToolUseStream("toolu_07", "apply_patch", ["{\"input\": \"*** Begin Patch\\n", "*** End Patch\"}"]));

        var events = await StreamAsync(key.Key, Request(new JsonArray(Text("Patch it.", role: "user"))));

        var call = events.Last(e => (string?)e["type"] == "response.output_item.done")["item"]!;
        Assert.Equal("custom_tool_call", (string?)call["type"]);
        Assert.Equal("*** Begin Patch\n*** End Patch", (string?)call["input"]);
        Assert.Contains(events, e => (string?)e["type"] == "response.custom_tool_call_input.done");
        var tools = JsonNode.Parse(fixture.Upstream.Requests.Single().Body)!["tools"]!.AsArray();
        Assert.Equal("string", (string?)tools.Single(t => (string?)t!["name"] == "apply_patch")!["input_schema"]!["properties"]!["input"]!["type"]);
        Assert.Contains(tools, t => (string?)t!["type"] == "web_search_20250305");
        Assert.Contains(tools, t => (string?)t!["name"] == "mcp__github__create_issue");
    }

    [Fact]
    public async Task UnknownToolType_Answers400InOpenAiEnvelopeNamingIt()
    {
        var key = await fixture.IssueKeyAsync();
        var body = Request(new JsonArray(Text("Hi", role: "user")));
        body["tools"]!.AsArray().Add(new JsonObject { ["type"] = "code_interpreter", ["container"] = new JsonObject { ["type"] = "auto" } });

        using var response = await PostAsync(key.Key, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Contains("code_interpreter", error.GetProperty("message").GetString());
        Assert.Empty(fixture.Upstream.Requests);
    }

    /// <summary>A request shaped like Codex's: reasoning with summaries, encrypted reasoning included, nothing stored.</summary>
    private static JsonObject Request(JsonArray input) => new()
    {
        ["model"] = "claude-sonnet-4-5",
        ["instructions"] = "You are Codex, a coding agent.",
        ["input"] = input,
        ["tools"] = new JsonArray(
            new JsonObject
            {
                ["type"] = "function", ["name"] = "shell_command", ["description"] = "Runs a shell command.", ["strict"] = false,
                ["parameters"] = JsonNode.Parse("""{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}"""),
            },
            new JsonObject
            {
                ["type"] = "custom", ["name"] = "apply_patch", ["description"] = "Edits files.",
                ["format"] = new JsonObject { ["type"] = "grammar", ["syntax"] = "lark", ["definition"] = "start: patch" },
            },
            JsonNode.Parse("""
                {"type":"namespace","name":"mcp__github","description":"GitHub tools.","tools":[
                  {"type":"function","name":"create_issue","strict":false,"parameters":{"type":"object","properties":{"title":{"type":"string"}}}}]}
                """),
            new JsonObject { ["type"] = "web_search" }),
        ["tool_choice"] = "auto",
        ["parallel_tool_calls"] = false,
        ["reasoning"] = new JsonObject { ["effort"] = "high", ["summary"] = "auto" },
        ["store"] = false,
        ["stream"] = true,
        ["include"] = new JsonArray("reasoning.encrypted_content"),
        ["prompt_cache_key"] = "019a2b3c-session",
        ["max_output_tokens"] = 32000,
    };

    private static JsonObject Text(string text, string? role = null)
    {
        var part = new JsonObject { ["type"] = "input_text", ["text"] = text };
        return role is null ? part : new JsonObject { ["type"] = "message", ["role"] = role, ["content"] = new JsonArray(part) };
    }

    private async Task<HttpResponseMessage> PostAsync(string key, JsonObject body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/responses") { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new("Bearer", key);
        return await fixture.Http.SendAsync(request);
    }

    private async Task<List<JsonNode>> StreamAsync(string key, JsonObject body)
    {
        using var response = await PostAsync(key, body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => JsonNode.Parse(e.Split('\n').Single(l => l.StartsWith("data: ", StringComparison.Ordinal))[6..])!)];
    }
}
