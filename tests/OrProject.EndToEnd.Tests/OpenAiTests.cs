using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Models;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

/// <summary>OpenAI-format clients through the gateway to an Anthropic-format upstream, with the official OpenAI SDK.</summary>
[Collection(nameof(GatewayCollection))]
public sealed class OpenAiTests(GatewayFixture fixture) : IAsyncLifetime
{
    public Task InitializeAsync()
    {
        return fixture.ResetAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<(ChatClient Chat, IssuedKey Key)> ClientAsync()
    {
        var key = await fixture.IssueKeyAsync();
        var options = new OpenAIClientOptions { Endpoint = new Uri(fixture.BaseAddress + "/v1"), RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0) };
        return (new ChatClient("claude-sonnet-4-5", new ApiKeyCredential(key.Key), options), key);
    }

    [Fact]
    public async Task CompleteChat_Plain_MapsTextFinishReasonAndUsage()
    {
        fixture.Upstream.Respond = (ctx, _) => FakeAnthropic.WriteTextAsync(ctx, ["Hel", "lo"], inputTokens: 20, outputTokens: 5, cacheRead: 7);
        var (chat, _) = await ClientAsync();

        ChatCompletion completion = await chat.CompleteChatAsync([new SystemChatMessage("Be brief."), new UserChatMessage("Hi")]);

        Assert.Equal("Hello", completion.Content.Single().Text);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(27, completion.Usage.InputTokenCount);              // OpenAI counts cached tokens in prompt_tokens
        Assert.Equal(7, completion.Usage.InputTokenDetails.CachedTokenCount);
        Assert.Equal(5, completion.Usage.OutputTokenCount);

        var upstream = JsonNode.Parse(fixture.Upstream.Requests.Single().Body)!;
        Assert.Equal("Be brief.", (string?)upstream["system"]![0]!["text"]);
        Assert.Equal("user", (string?)upstream["messages"]![0]!["role"]);
    }

    [Fact]
    public async Task CompleteChat_HighEffortWithoutMaxTokens_ModelsOutputLimitAndThinkingThatLeavesRoom()
    {
        var (chat, _) = await ClientAsync();

#pragma warning disable OPENAI001 // the SDK marks reasoning effort as evaluation-only; it is what reasoning clients send
        await chat.CompleteChatAsync([new UserChatMessage("Hi")], new ChatCompletionOptions { ReasoningEffortLevel = ChatReasoningEffortLevel.High });
#pragma warning restore OPENAI001

        // The SDK sends no max_tokens: the model's usual limit, not a small default; the budget is at most half of it.
        var upstream = JsonNode.Parse(fixture.Upstream.Requests.Single().Body)!;
        Assert.Equal(64_000, (int)upstream["max_tokens"]!);
        Assert.Equal("enabled", (string?)upstream["thinking"]!["type"]);
        Assert.Equal(16_384, (int)upstream["thinking"]!["budget_tokens"]!);
    }

    [Fact]
    public async Task CompleteChatStreaming_WithUsage_StreamsDeltasThenUsage()
    {
        fixture.Upstream.Respond = (ctx, _) => FakeAnthropic.WriteTextAsync(ctx, ["a", "b", "c"], inputTokens: 11, outputTokens: 3);
        var (chat, _) = await ClientAsync();
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;

        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("Hi")]))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        Assert.Equal("abc", text.ToString());
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.NotNull(usage);
        Assert.Equal(11, usage.InputTokenCount);
        Assert.Equal(3, usage.OutputTokenCount);
    }

    [Fact]
    public async Task CompleteChatStreaming_ToolCall_ArgumentsArriveInFragmentsWithIdAndName()
    {
        fixture.Upstream.Respond = (ctx, _) => FakeAnthropic.WriteEventsAsync(ctx,
        [
            FakeAnthropic.Start(30),
            ("content_block_start", new { type = "content_block_start", index = 0, content_block = new { type = "tool_use", id = "toolu_1", name = "get_weather", input = new { } } }),
            ("content_block_delta", new { type = "content_block_delta", index = 0, delta = new { type = "input_json_delta", partial_json = "" } }),
            ("content_block_delta", new { type = "content_block_delta", index = 0, delta = new { type = "input_json_delta", partial_json = "{\"city\":" } }),
            ("content_block_delta", new { type = "content_block_delta", index = 0, delta = new { type = "input_json_delta", partial_json = "\"Paris\"}" } }),
            ("content_block_stop", new { type = "content_block_stop", index = 0 }),
            .. FakeAnthropic.End("tool_use", 12),
        ]);
        var (chat, _) = await ClientAsync();
        var options = new ChatCompletionOptions { Tools = { ChatTool.CreateFunctionTool("get_weather", "Weather for a city", BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}}}""")) } };
        var arguments = new StringBuilder();
        string? id = null, name = null;
        ChatFinishReason? finish = null;

        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("Weather in Paris?")], options))
        {
            foreach (var call in update.ToolCallUpdates)
            {
                Assert.Equal(0, call.Index);
                id ??= call.ToolCallId;
                name ??= call.FunctionName;
                arguments.Append(call.FunctionArgumentsUpdate?.ToString());
            }

            finish ??= update.FinishReason;
        }

        Assert.Equal("toolu_1", id);
        Assert.Equal("get_weather", name);
        Assert.Equal("Paris", (string?)JsonNode.Parse(arguments.ToString())!["city"]);
        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        var tools = JsonNode.Parse(fixture.Upstream.Requests.Single().Body)!["tools"]!;
        Assert.Equal("get_weather", (string?)tools[0]!["name"]);
        Assert.Equal("object", (string?)tools[0]!["input_schema"]!["type"]);
    }

    [Fact]
    public async Task CompleteChat_ToolResultTurn_BecomesCanonicalToolResult()
    {
        var (chat, _) = await ClientAsync();
        ChatMessage[] history =
        [
            new UserChatMessage("Weather in Paris?"),
            new AssistantChatMessage([ChatToolCall.CreateFunctionToolCall("call_9", "get_weather", BinaryData.FromString("""{"city":"Paris"}"""))]),
            new ToolChatMessage("call_9", "18 degrees"),
        ];

        await chat.CompleteChatAsync(history);

        var messages = JsonNode.Parse(fixture.Upstream.Requests.Single().Body)!["messages"]!.AsArray();
        var toolUse = messages[1]!["content"]![0]!;
        Assert.Equal("tool_use", (string?)toolUse["type"]);
        Assert.Equal("Paris", (string?)toolUse["input"]!["city"]);
        var result = messages[2]!["content"]![0]!;
        Assert.Equal("tool_result", (string?)result["type"]);
        Assert.Equal("call_9", (string?)result["tool_use_id"]);
    }

    [Fact]
    public async Task GetModels_OpenAiShape_ListsCatalog()
    {
        var key = await fixture.IssueKeyAsync();
        var models = new OpenAIModelClient(new ApiKeyCredential(key.Key), new OpenAIClientOptions { Endpoint = new Uri(fixture.BaseAddress + "/v1") });

        OpenAIModelCollection list = await models.GetModelsAsync();

        Assert.Contains(list, m => m.Id == "claude-sonnet-4-5");
        Assert.Contains(list, m => m.Id == "claude-haiku-4-5");
    }

    [Fact]
    public async Task GetModels_AnthropicShape_PagesWithCursors()
    {
        var key = await fixture.IssueKeyAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models?limit=2");
        request.Headers.Add("x-api-key", key.Key);
        request.Headers.Add("anthropic-version", "2023-06-01");
        using var response = await fixture.Http.SendAsync(request);
        var page = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(2, page.GetProperty("data").GetArrayLength());
        Assert.True(page.GetProperty("has_more").GetBoolean());
        Assert.Equal("model", page.GetProperty("data")[0].GetProperty("type").GetString());
        Assert.Equal(page.GetProperty("data")[1].GetProperty("id").GetString(), page.GetProperty("last_id").GetString());
    }

    [Fact]
    public async Task CompleteChat_UnknownKey_Raises401InOpenAiEnvelope()
    {
        var chat = new ChatClient("claude-sonnet-4-5", new ApiKeyCredential("sk-orp-unknown"),
            new OpenAIClientOptions { Endpoint = new Uri(fixture.BaseAddress + "/v1"), RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0) });

        var error = await Assert.ThrowsAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("Hi")]));

        Assert.Equal(401, error.Status);
        var body = JsonNode.Parse(error.GetRawResponse()!.Content.ToString())!;
        Assert.Equal("authentication_error", (string?)body["error"]!["type"]);
        Assert.NotNull(body["error"]!["message"]);
    }

    [Fact]
    public async Task ChatCompletions_MalformedBody_Answers400InOpenAiEnvelope()
    {
        var (_, key) = await ClientAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent("{\"model\":", Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new("Bearer", key.Key);
        using var response = await fixture.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("invalid_request_error", body.GetProperty("error").GetProperty("type").GetString());
        Assert.True(response.Headers.Contains("x-request-id"));
    }

    [Theory]
    [InlineData("/v1/chat/completions", false)]
    [InlineData("/v1/chat/completions", true)]
    [InlineData("/v1/responses", false)]
    [InlineData("/v1/responses", true)]
    public async Task ContextOverflow_EitherRoute_StreamedOrNot_CodeIsContextLengthExceeded(string route, bool stream)
    {
        const string overflow = "prompt is too long: 210345 tokens > 200000 maximum";
        fixture.Upstream.Respond = (ctx, _) => FakeAnthropic.WriteErrorAsync(ctx, 400, "invalid_request_error", overflow);
        var (_, key) = await ClientAsync();
        object body = route == "/v1/responses"
            ? new { model = "claude-sonnet-4-5", input = "a long conversation", stream }
            : new { model = "claude-sonnet-4-5", messages = new[] { new { role = "user", content = "a long conversation" } }, stream };
        using var request = new HttpRequestMessage(HttpMethod.Post, route) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new("Bearer", key.Key);
        using var response = await fixture.Http.SendAsync(request);

        // Nothing was streamed before the upstream refused, so the answer is a plain 400 in either case.
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal("context_length_exceeded", (string?)error["code"]);
        Assert.Equal("invalid_request_error", (string?)error["type"]);
        Assert.Contains("prompt is too long", (string?)error["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Responses_Streaming_EmitsEventSequenceThroughCompleted()
    {
        fixture.Upstream.Respond = (ctx, _) => FakeAnthropic.WriteTextAsync(ctx, ["Hi", " there"], inputTokens: 9, outputTokens: 2);
        var (_, key) = await ClientAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/responses")
        {
            Content = JsonContent.Create(new { model = "claude-sonnet-4-5", instructions = "Be kind.", input = "Hello", stream = true }),
        };
        request.Headers.Authorization = new("Bearer", key.Key);
        using var response = await fixture.Http.SendAsync(request);
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => JsonNode.Parse(e.Split('\n').Single(l => l.StartsWith("data: ", StringComparison.Ordinal))[6..])!).ToList();

        var types = events.Select(e => (string?)e["type"]).ToList();
        Assert.Equal("response.created", types[0]);
        Assert.Equal("response.completed", types[^1]);
        Assert.Contains("response.output_item.done", types);
        var sequence = events.Select(e => (int)e["sequence_number"]!).ToList();
        Assert.Equal(sequence.OrderBy(s => s), sequence);
        Assert.Equal("Hi there", string.Concat(events.Where(e => (string?)e["type"] == "response.output_text.delta").Select(e => (string?)e["delta"])));
        var completed = events[^1]["response"]!;
        Assert.Equal(9, (int)completed["usage"]!["input_tokens"]!);
        Assert.Equal("Be kind.", (string?)JsonNode.Parse(fixture.Upstream.Requests.Single().Body)!["system"]![0]!["text"]);
    }
}
