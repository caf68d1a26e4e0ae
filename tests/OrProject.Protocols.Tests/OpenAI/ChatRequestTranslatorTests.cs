using System.Text.Json.Nodes;
using OrProject.Protocols.OpenAI.Chat;
namespace OrProject.Protocols.Tests.OpenAI;

public sealed class ChatRequestTranslatorTests
{
    [Theory]
    [InlineData("basic")]
    [InlineData("multimodal")]
    [InlineData("tools")]
    [InlineData("reasoning")]
    [InlineData("thinking-blocks")]
    [InlineData("reasoning-details")]
    [InlineData("thinking-dropped")]
    public void ToCanonical_GoldenRequest_MatchesExpected(string name)
    {
        var result = ChatRequestTranslator.ToCanonical(Golden.Object($"Chat/Request/{name}.input.json"));

        Assert.True(result.Succeeded, result.Error?.Message);
        Golden.AssertMatches($"Chat/Request/{name}.expected.json", result.Request);
    }

    [Fact]
    public void ToCanonical_StreamWithIncludeUsage_ReportsBoth()
    {
        var result = ChatRequestTranslator.ToCanonical(Golden.Object("Chat/Request/basic.input.json"));

        Assert.True(result.Stream);
        Assert.True(result.IncludeUsage);
        Assert.False(result.Request!.ContainsKey("stream"));
    }

    [Fact]
    public void ToCanonical_NGreaterThanOne_IsValidationError()
    {
        var result = ChatRequestTranslator.ToCanonical(Request("""{"n": 2}"""));

        Assert.False(result.Succeeded);
        Assert.Equal("n", result.Error.Param);
    }

    [Fact]
    public void ToCanonical_SingleElementStopArray_StaysArray()
    {
        var result = ChatRequestTranslator.ToCanonical(Request("""{"stop": ["###"]}"""));

        Golden.AssertJson(JsonNode.Parse("""["###"]"""), result.Request!["stop_sequences"]);
    }

    [Fact]
    public void ToCanonical_JsonObjectFormat_AddsSystemInstruction()
    {
        var result = ChatRequestTranslator.ToCanonical(Request("""{"response_format": {"type": "json_object"}}"""));

        var system = Assert.IsType<JsonArray>(result.Request!["system"]);
        Assert.Contains("JSON object", (string?)system[^1]!["text"], StringComparison.Ordinal);
        Assert.False(result.Request.ContainsKey("output_config"));
    }

    [Theory]
    [InlineData("none", 8000)]
    [InlineData("high", 1024)]
    [InlineData("unheard-of", 8000)]
    public void ToCanonical_EffortWithoutRoomOrNone_OmitsThinking(string effort, int maxTokens)
    {
        var result = ChatRequestTranslator.ToCanonical(
            Request($$"""{"reasoning_effort": "{{effort}}", "max_tokens": {{maxTokens}}, "temperature": 0.5}"""));

        Assert.False(result.Request!.ContainsKey("thinking"));
        Assert.Equal(0.5, (double)result.Request["temperature"]!);
    }

    [Fact]
    public void ToCanonical_EffortWithForcedTool_OmitsThinking()
    {
        var result = ChatRequestTranslator.ToCanonical(Request("""
            {"reasoning_effort": "low", "tools": [{"type": "function", "function": {"name": "f"}}],
             "tool_choice": {"type": "function", "function": {"name": "f"}}}
            """));

        Assert.False(result.Request!.ContainsKey("thinking"));
        Golden.AssertJson(JsonNode.Parse("""{"type": "tool", "name": "f"}"""), result.Request["tool_choice"]);
    }

    [Fact]
    public void ToCanonical_LowEffortWithDefaultMaxTokens_UsesBucketBudget()
    {
        var result = ChatRequestTranslator.ToCanonical(Request("""{"reasoning_effort": "low"}"""), defaultMaxTokens: 32000);

        Assert.Equal(32000, (int)result.Request!["max_tokens"]!);
        Assert.Equal(4096, (int)result.Request["thinking"]!["budget_tokens"]!);
    }

    [Fact]
    public void ToCanonical_ToolChoiceWithoutTools_IsDropped()
    {
        var result = ChatRequestTranslator.ToCanonical(Request("""{"tool_choice": "auto", "parallel_tool_calls": false}"""));

        Assert.False(result.Request!.ContainsKey("tool_choice"));
        Assert.False(result.Request.ContainsKey("tools"));
    }

    [Theory]
    [InlineData("""{"role": "user", "content": [{"type": "file", "file": {"file_id": "file-1"}}]}""", "messages[0].content[0]")]
    [InlineData("""{"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "x", "format": "wav"}}]}""", "messages[0].content[0].type")]
    [InlineData("""{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "ftp://x/y.png"}}]}""", "messages[0].content[0]")]
    [InlineData("""{"role": "critic", "content": "x"}""", "messages[0].role")]
    [InlineData("""{"role": "tool", "content": "x"}""", "messages[0].tool_call_id")]
    [InlineData("""{"role": "system", "content": "only a system prompt"}""", "messages")]
    public void ToCanonical_UnsupportedMessage_IsValidationErrorWithParam(string message, string param)
    {
        var result = ChatRequestTranslator.ToCanonical(JsonNode.Parse($$"""{"model": "m", "messages": [{{message}}]}""")!.AsObject());

        Assert.False(result.Succeeded);
        Assert.Equal(param, result.Error.Param);
    }

    [Fact]
    public void ToCanonical_EmptyAssistantTurn_ProducesNoEmptyBlocksOrTurns()
    {
        var result = ChatRequestTranslator.ToCanonical(JsonNode.Parse("""
            {"model": "m", "messages": [
              {"role": "user", "content": "a"}, {"role": "assistant", "content": ""}, {"role": "user", "content": "b"}]}
            """)!.AsObject());

        Golden.AssertJson(
            JsonNode.Parse("""[{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}]"""),
            result.Request!["messages"]);
    }

    [Theory]
    [InlineData("""{"thinking_blocks": {"type": "thinking"}}""", "messages[1].thinking_blocks")]
    [InlineData("""{"thinking_blocks": ["x"]}""", "messages[1].thinking_blocks[0]")]
    [InlineData("""{"thinking_blocks": [{"type": "thinking", "thinking": "t", "signature": 5}]}""", "messages[1].thinking_blocks[0].signature")]
    [InlineData("""{"reasoning_details": [{"type": "reasoning.text", "text": ["t"], "signature": "s"}]}""", "messages[1].reasoning_details[0].text")]
    public void ToCanonical_MalformedThinkingBlocks_IsValidationErrorAtTheField(string assistantFields, string param)
    {
        var assistant = JsonNode.Parse("""{"role": "assistant", "content": "ok"}""")!.AsObject();
        foreach (var (name, value) in JsonNode.Parse(assistantFields)!.AsObject().ToArray())
        {
            assistant[name] = value?.DeepClone();
        }

        var result = ChatRequestTranslator.ToCanonical(Request($$"""{"messages": [{"role": "user", "content": "hi"}, {{assistant.ToJsonString()}}]}"""));

        Assert.False(result.Succeeded);
        Assert.Equal(param, result.Error.Param);
    }

    [Fact]
    public void ToCanonical_UnsignedOrUnknownThinkingBlocks_AreDropped()
    {
        var result = ChatRequestTranslator.ToCanonical(Request("""
            {"messages": [{"role": "user", "content": "hi"},
                          {"role": "assistant", "content": "ok", "thinking_blocks": [
                             {"type": "thinking", "thinking": "no signature"},
                             {"type": "thinking", "thinking": "empty signature", "signature": ""},
                             {"type": "redacted_thinking"},
                             {"type": "reasoning", "text": "another provider's"}]}]}
            """));

        Golden.AssertJson(JsonNode.Parse("""[{"type": "text", "text": "ok"}]"""), result.Request!["messages"]![1]!["content"]);
    }

    [Fact]
    public void ToCanonical_ThinkingBlocksWinOverReasoningDetails()
    {
        var result = ChatRequestTranslator.ToCanonical(Request("""
            {"messages": [{"role": "user", "content": "hi"},
                          {"role": "assistant", "content": "ok",
                           "thinking_blocks": [{"type": "redacted_thinking", "data": "from-litellm"}],
                           "reasoning_details": [{"type": "reasoning.encrypted", "data": "from-openrouter"}]}]}
            """));

        Assert.Equal("from-litellm", (string?)result.Request!["messages"]![1]!["content"]![0]!["data"]);
    }

    private static JsonObject Request(string extraFields)
    {
        var request = JsonNode.Parse("""{"model": "m", "messages": [{"role": "user", "content": "hi"}]}""")!.AsObject();
        foreach (var (name, value) in JsonNode.Parse(extraFields)!.AsObject().ToArray())
        {
            request[name] = value?.DeepClone();
        }

        return request;
    }
}
