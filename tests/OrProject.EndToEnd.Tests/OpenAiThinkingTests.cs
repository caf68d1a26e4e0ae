using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Chat;
using OrProject.Testing;
using OrProject.Protocols.Canonical;

namespace OrProject.EndToEnd.Tests;

/// <summary>
/// Thinking across a Chat Completions tool loop, with the official OpenAI SDK, against a fake upstream that refuses
/// what Anthropic refuses (thinking on, a tool loop whose assistant turn does not start with a thinking block).
/// The SDK's typed models have no place for the <c>thinking_blocks</c> extension, neither to read it nor to send it
/// back, so the turns that need it go through the SDK's protocol methods (the same client, endpoint and key, with the
/// JSON body written here); the turn that drops the blocks is what the typed SDK itself sends.
/// </summary>
[Collection(nameof(GatewayCollection))]
public sealed class OpenAiThinkingTests(GatewayFixture fixture) : IAsyncLifetime
{
    private const string Signature = "EqQBCkYIBRgCKkD-test-signature";
    private const string RedactedData = "EmwKAhgBEgy3-test-redacted";
    private const string Tools = """[{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]""";

    public async Task InitializeAsync()
    {
        await fixture.ResetAsync();
        // Turn 1 (only the user's question) thinks and calls a tool; turn 2 (with the tool result) answers.
        fixture.Upstream.Respond = (ctx, request) =>
            JsonNode.Parse(request.Body)!["messages"]!.AsArray().Count == 1
                ? FakeAnthropic.WriteEventsAsync(ctx, ThinkingToolUseStream())
                : FakeAnthropic.WriteTextAsync(ctx, ["Sunny."]);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static IEnumerable<(string, object)> ThinkingToolUseStream()
    {
        yield return FakeAnthropic.Start(25);
        yield return FakeAnthropic.BlockStart(0, new { type = "thinking", thinking = "", signature = "" });
        yield return FakeAnthropic.BlockDelta(0, new { type = "thinking_delta", thinking = "The user wants " });
        yield return FakeAnthropic.BlockDelta(0, new { type = "thinking_delta", thinking = "the weather." });
        yield return FakeAnthropic.BlockDelta(0, new { type = "signature_delta", signature = Signature });
        yield return FakeAnthropic.BlockStop(0);
        yield return FakeAnthropic.BlockStart(1, new { type = "redacted_thinking", data = RedactedData });
        yield return FakeAnthropic.BlockStop(1);
        yield return FakeAnthropic.BlockStart(2, new { type = "tool_use", id = "toolu_1", name = "get_weather", input = new { } });
        yield return FakeAnthropic.InputJsonDelta(2, """{"city":"Paris"}""");
        yield return FakeAnthropic.BlockStop(2);
        foreach (var end in FakeAnthropic.End("tool_use", 40))
        {
            yield return end;
        }
    }

    private static JsonArray ExpectedBlocks() => JsonNode.Parse($$"""
        [{"type": "thinking", "thinking": "The user wants the weather.", "signature": "{{Signature}}"},
         {"type": "redacted_thinking", "data": "{{RedactedData}}"}]
        """)!.AsArray();

    private async Task<ChatClient> ClientAsync()
    {
        var key = await fixture.IssueKeyAsync();
        var options = new OpenAIClientOptions { Endpoint = new Uri(fixture.BaseAddress + "/v1"), RetryPolicy = new ClientRetryPolicy(0) };
        return new ChatClient("claude-sonnet-4-5", new ApiKeyCredential(key.Key), options);
    }

    private static JsonObject Body(bool stream, params JsonNode[] messages) => new()
    {
        ["model"] = "claude-sonnet-4-5",
        ["reasoning_effort"] = "high",
        ["stream"] = stream,
        ["tools"] = JsonNode.Parse(Tools),
        ["messages"] = new JsonArray(messages),
    };

    private static JsonObject UserQuestion() => new() { ["role"] = "user", ["content"] = "Weather in Paris?" };

    private static JsonObject ToolAnswer() => new() { ["role"] = "tool", ["tool_call_id"] = "toolu_1", ["content"] = "18 C, sunny" };

    private static async Task<ClientResult> SendAsync(ChatClient chat, JsonObject body) =>
        await chat.CompleteChatAsync(BinaryContent.Create(BinaryData.FromString(body.ToJsonString())));

    /// <summary>The upstream's view of turn 2: its request body.</summary>
    private JsonNode SecondUpstreamRequest() => JsonNode.Parse(fixture.Upstream.Requests.ToArray()[1].Body)!;

    [Fact]
    public async Task ToolLoop_NotStreamed_ThinkingBlocksGoBackFirstInTheAssistantTurn()
    {
        var chat = await ClientAsync();

        var first = await SendAsync(chat, Body(false, UserQuestion()));
        var message = JsonNode.Parse(first.GetRawResponse().Content)!["choices"]![0]!["message"]!.AsObject();
        AssertJson(ExpectedBlocks(), message["thinking_blocks"]);
        Assert.Equal("The user wants the weather.", (string?)message["reasoning_content"]);
        Assert.Equal("toolu_1", (string?)message["tool_calls"]![0]!["id"]);

        // The client sends the assistant message back as it got it, as LiteLLM-style clients do.
        var second = await SendAsync(chat, Body(false, UserQuestion(), message.DeepClone(), ToolAnswer()));

        Assert.Equal(200, second.GetRawResponse().Status);
        var completion = ModelReaderWriter.Read<ChatCompletion>(second.GetRawResponse().Content)!;
        Assert.Equal("Sunny.", completion.Content.Single().Text);
        var upstream = SecondUpstreamRequest();
        Assert.Equal("enabled", (string?)upstream["thinking"]!["type"]);
        var assistant = upstream["messages"]![1]!["content"]!.AsArray();
        AssertJson(ExpectedBlocks(), new JsonArray(assistant[0]!.DeepClone(), assistant[1]!.DeepClone()));
        Assert.Equal("tool_use", (string?)assistant[2]!["type"]);
    }

    [Fact]
    public async Task ToolLoop_Streamed_ThinkingBlocksGoBackFirstInTheAssistantTurn()
    {
        var chat = await ClientAsync();

        var first = await SendAsync(chat, Body(true, UserQuestion()));
        var message = Assemble(first.GetRawResponse().Content);
        AssertJson(ExpectedBlocks(), message["thinking_blocks"]);
        Assert.Equal("The user wants the weather.", (string?)message["reasoning_content"]);

        var second = await SendAsync(chat, Body(true, UserQuestion(), message, ToolAnswer()));

        Assert.Equal(200, second.GetRawResponse().Status);
        Assert.Equal("Sunny.", (string?)Assemble(second.GetRawResponse().Content)["content"]);
        var upstream = SecondUpstreamRequest();
        Assert.Equal("enabled", (string?)upstream["thinking"]!["type"]);
        var assistant = upstream["messages"]![1]!["content"]!.AsArray();
        Assert.Equal(["thinking", "redacted_thinking", "tool_use"], assistant.Select(b => (string?)b!["type"]));
        Assert.Equal(Signature, (string?)assistant[0]!["signature"]);
    }

    [Fact]
    public async Task ToolLoop_ClientDropsTheThinking_TurnTwoRunsWithoutThinking()
    {
        var chat = await ClientAsync();
        // reasoning_effort is marked experimental in the SDK; it is the very field under test here.
#pragma warning disable OPENAI001
        var options = new ChatCompletionOptions { ReasoningEffortLevel = ChatReasoningEffortLevel.High, Temperature = 0.5f };
#pragma warning restore OPENAI001
        options.Tools.Add(ChatTool.CreateFunctionTool("get_weather", null, BinaryData.FromString("""{"type": "object"}""")));
        List<ChatMessage> history = [new UserChatMessage("Weather in Paris?")];

        ChatCompletion first = await chat.CompleteChatAsync(history, options);
        Assert.Equal(ChatFinishReason.ToolCalls, first.FinishReason);
        // The typed SDK keeps the text and tool calls of the assistant message, but not the thinking.
        history.Add(new AssistantChatMessage(first));
        history.Add(new ToolChatMessage(first.ToolCalls.Single().Id, "18 C, sunny"));
        ChatCompletion second = await chat.CompleteChatAsync(history, options);

        Assert.Equal("Sunny.", second.Content.Single().Text);
        var firstUpstream = JsonNode.Parse(fixture.Upstream.Requests.ToArray()[0].Body)!;
        Assert.Equal("enabled", (string?)firstUpstream["thinking"]!["type"]);
        Assert.Null(firstUpstream["temperature"]);
        var upstream = SecondUpstreamRequest().AsObject();
        Assert.False(upstream.ContainsKey("thinking"));
        Assert.Equal(0.5, (double)upstream["temperature"]!);
        Assert.Equal("tool_use", (string?)upstream["messages"]![1]!["content"]![0]!["type"]);
    }

    [Fact]
    public async Task ToolLoop_OnlySyntheticThinkingSentBack_TurnTwoRunsWithoutThinking()
    {
        // Thinking the gateway made from an OpenAI-compatible upstream's reasoning never reaches Anthropic; without it
        // the tool loop lacks thinking, so the request must go without.
        var chat = await ClientAsync();
        var assistant = JsonNode.Parse($$$"""
            {"role": "assistant", "content": null,
             "thinking_blocks": [{"type": "thinking", "thinking": "Reasoned elsewhere.", "signature": "{{{SyntheticThinking.Signature}}}"}],
             "tool_calls": [{"id": "toolu_1", "type": "function", "function": {"name": "get_weather", "arguments": "{}"}}]}
            """)!;

        var second = await SendAsync(chat, Body(false, UserQuestion(), assistant, ToolAnswer()));

        Assert.Equal(200, second.GetRawResponse().Status);
        var upstream = JsonNode.Parse(fixture.Upstream.Requests.Single().Body)!.AsObject();
        Assert.False(upstream.ContainsKey("thinking"));
        Assert.Equal("tool_use", (string?)upstream["messages"]![1]!["content"]![0]!["type"]);
    }

    [Fact]
    public async Task FakeUpstream_ThinkingWithToolHistoryLackingIt_AnswersAnthropicsError()
    {
        // The fake itself, reached through the Messages route which passes the client's body on: it must refuse.
        var key = await fixture.IssueKeyAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = new StringContent("""
                {"model": "claude-sonnet-4-5", "max_tokens": 4096, "thinking": {"type": "enabled", "budget_tokens": 2048},
                 "tools": [{"name": "get_weather", "input_schema": {"type": "object"}}],
                 "messages": [{"role": "user", "content": "Weather in Paris?"},
                              {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}]},
                              {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "18 C"}]}]}
                """, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", key.Key);
        using var response = await fixture.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(AnthropicRules.MissingThinkingMessage(1, 0, "tool_use"), error.GetProperty("message").GetString());
    }

    private static void AssertJson(JsonNode expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(expected, actual), $"Expected {expected.ToJsonString()}\nActual   {actual?.ToJsonString()}");

    /// <summary>
    /// A streamed reply assembled into the assistant message a client would send back: text, reasoning, tool calls
    /// joined by their index, and the thinking blocks in the order they ended.
    /// </summary>
    private static JsonObject Assemble(BinaryData sse)
    {
        var text = new StringBuilder();
        var reasoning = new StringBuilder();
        var blocks = new JsonArray();
        var calls = new SortedDictionary<int, (string Id, string Name, StringBuilder Arguments)>();
        foreach (var frame in Sse.Parse(sse.ToArray()).Where(f => f.DataText != "[DONE]"))
        {
            var delta = JsonNode.Parse(frame.DataText)!["choices"]?[0]?["delta"];
            text.Append((string?)delta?["content"]);
            reasoning.Append((string?)delta?["reasoning_content"]);
            foreach (var block in delta?["thinking_blocks"]?.AsArray() ?? [])
            {
                blocks.Add(block!.DeepClone());
            }

            foreach (var call in delta?["tool_calls"]?.AsArray() ?? [])
            {
                var index = (int)call!["index"]!;
                if (!calls.TryGetValue(index, out var open))
                {
                    calls[index] = open = ((string?)call["id"] ?? "", (string?)call["function"]?["name"] ?? "", new StringBuilder());
                }

                open.Arguments.Append((string?)call["function"]?["arguments"]);
            }
        }

        var message = new JsonObject { ["role"] = "assistant", ["content"] = text.ToString() };
        if (reasoning.Length > 0)
        {
            message["reasoning_content"] = reasoning.ToString();
        }

        if (blocks.Count > 0)
        {
            message["thinking_blocks"] = blocks;
        }

        if (calls.Count > 0)
        {
            message["tool_calls"] = new JsonArray([.. calls.Values.Select(c => (JsonNode)new JsonObject
            {
                ["id"] = c.Id,
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = c.Name, ["arguments"] = c.Arguments.ToString() },
            })]);
        }

        return message;
    }
}
