using System.Text.Json.Nodes;
using OrProject.Protocols.Tests.OpenAI;
using OrProject.Protocols.OpenAI.Responses;

namespace OrProject.Protocols.Tests.Responses;

public sealed class ResponsesRequestTranslatorTests
{
    [Theory]
    [InlineData("codex")]
    [InlineData("codex-reasoning")]
    [InlineData("codex-0171")] // captured from Codex CLI 0.171 (`codex exec -c model_reasoning_effort=high`), unedited
    [InlineData("structured")]
    public void ToCanonical_GoldenRequest_MatchesExpected(string name)
    {
        var result = ResponsesRequestTranslator.ToCanonical(Golden.Object($"Responses/Request/{name}.input.json"));

        Assert.True(result.Succeeded, result.Error?.Message);
        Golden.AssertMatches($"Responses/Request/{name}.expected.json", result.Request);
    }

    [Fact]
    public void ToCanonical_StringInput_IsOneUserTurnAndReportsStream()
    {
        var result = ResponsesRequestTranslator.ToCanonical(
            JsonNode.Parse("""{"model": "m", "input": "Hello", "stream": true}""")!.AsObject());

        Assert.True(result.Stream);
        Golden.AssertJson(
            JsonNode.Parse("""[{"role": "user", "content": [{"type": "text", "text": "Hello"}]}]"""), result.Request!["messages"]);
    }

    [Theory]
    [InlineData("""{"model": "m", "input": "x", "previous_response_id": "resp_1"}""", "previous_response_id")]
    [InlineData("""{"model": "m", "input": [{"type": "reasoning", "id": "rs_1", "summary": []}]}""", "input")]
    [InlineData("""{"model": "m", "input": [{"role": "user", "content": [{"type": "input_image", "file_id": "file-1"}]}]}""", "input[0].content[0]")]
    [InlineData("""{"model": "m", "input": [{"type": "function_call_output", "output": "x"}]}""", "input[0].call_id")]
    [InlineData("""{"model": "m", "input": [{"type": "custom_tool_call_output", "output": "x"}]}""", "input[0].call_id")]
    [InlineData("""{"model": "m", "input": ["hello"]}""", "input[0]")]
    [InlineData("""{"model": "m", "input": "x", "tools": [{"type": "file_search", "vector_store_ids": ["vs_1"]}]}""", "tools[0].type")]
    [InlineData("""{"model": "m", "input": "x", "tools": [{"type": "namespace", "name": "ns", "tools": [{"type": "web_search"}]}]}""", "tools[0].tools[0].type")]
    [InlineData("""{"model": "m", "input": "x", "tools": [{"type": "function", "name": "a__b"}, {"type": "namespace", "name": "a", "tools": [{"type": "function", "name": "b"}]}]}""", "tools[1].tools[0]")]
    [InlineData("""{"model": "m", "input": "x", "reasoning": "high"}""", null)]
    public void ToCanonical_Unsupported_IsValidationErrorWithParam(string request, string? param)
    {
        var result = ResponsesRequestTranslator.ToCanonical(JsonNode.Parse(request)!.AsObject());

        Assert.False(result.Succeeded);
        Assert.Equal(param, result.Error.Param);
    }

    [Fact]
    public void ToCanonical_UnknownToolType_MessageNamesIt()
    {
        var result = ResponsesRequestTranslator.ToCanonical(
            JsonNode.Parse("""{"model": "m", "input": "x", "tools": [{"type": "computer_use_preview"}]}""")!.AsObject());

        Assert.Contains("'computer_use_preview'", result.Error!.Message);
    }

    [Fact]
    public void ToCanonical_ThinkingButLastToolTurnWithoutThinking_DropsThinkingAndKeepsSampling()
    {
        var result = ResponsesRequestTranslator.ToCanonical(JsonNode.Parse("""
            {"model": "m", "reasoning": {"effort": "high", "summary": "auto"}, "temperature": 0.5,
             "input": [
               {"role": "user", "content": "List files."},
               {"type": "reasoning", "summary": [{"type": "summary_text", "text": "summary only"}]},
               {"type": "function_call", "call_id": "call_1", "name": "shell", "arguments": "{}"},
               {"type": "function_call_output", "call_id": "call_1", "output": "a.py"}],
             "tools": [{"type": "function", "name": "shell"}]}
            """)!.AsObject());

        Assert.Null(result.Request!["thinking"]);
        Assert.Equal(0.5, (double)result.Request["temperature"]!);
    }

    [Fact]
    public void ToCanonical_ThinkingAndNoToolTurn_KeepsThinking()
    {
        var result = ResponsesRequestTranslator.ToCanonical(JsonNode.Parse("""
            {"model": "m", "reasoning": {"effort": "high"}, "input": [
              {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}, {"role": "user", "content": "Again"}]}
            """)!.AsObject());

        Assert.NotNull(result.Request!["thinking"]);
    }

    [Fact]
    public void ToCanonical_ReasoningWithoutFollowingAssistantContent_IsDropped()
    {
        var result = ResponsesRequestTranslator.ToCanonical(JsonNode.Parse("""
            {"model": "m", "input": [
              {"role": "user", "content": "Hi"},
              {"type": "reasoning", "summary": [], "encrypted_content": "orp.thinking.v1:eyJ0eXBlIjoicmVkYWN0ZWRfdGhpbmtpbmciLCJkYXRhIjoiZCJ9"},
              {"role": "user", "content": "Again"}]}
            """)!.AsObject());

        var turn = Assert.Single(result.Request!["messages"]!.AsArray());
        Assert.Equal(["text", "text"], turn!["content"]!.AsArray().Select(b => (string?)b!["type"]));
    }
}
