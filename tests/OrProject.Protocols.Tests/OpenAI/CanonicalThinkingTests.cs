using System.Text.Json.Nodes;
using OrProject.Protocols.Canonical;
namespace OrProject.Protocols.Tests.OpenAI;

public sealed class CanonicalThinkingTests
{
    private const string User = """{"role": "user", "content": [{"type": "text", "text": "Weather?"}]}""";
    private const string Signed = """{"type": "thinking", "thinking": "t", "signature": "s"}""";
    private const string Redacted = """{"type": "redacted_thinking", "data": "d"}""";
    private const string Call = """{"type": "tool_use", "id": "t1", "name": "f", "input": {}}""";
    private const string Result = """{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "ok"}]}""";

    private static string Assistant(params string[] blocks) => $$"""{"role": "assistant", "content": [{{string.Join(",", blocks)}}]}""";

    private static JsonObject Request(string thinking, params string[] messages) => JsonNode.Parse(
        $$"""{"model": "m", "max_tokens": 9000, "thinking": {{thinking}}, "messages": [{{string.Join(",", messages)}}]}""")!.AsObject();

    private const string Enabled = """{"type": "enabled", "budget_tokens": 4096}""";

    [Fact]
    public void Drop_ToolLoopWithoutThinking_RemovesThinking()
    {
        var request = Request(Enabled, User, Assistant(Call), Result);

        Assert.True(CanonicalThinking.DropThinkingIfHistoryLacksIt(request));
        Assert.False(request.ContainsKey("thinking"));
    }

    [Theory]
    [InlineData(Signed)]
    [InlineData(Redacted)]
    public void Drop_ToolLoopStartingWithThinking_KeepsIt(string lead)
    {
        var request = Request(Enabled, User, Assistant(lead, Call), Result);

        Assert.False(CanonicalThinking.DropThinkingIfHistoryLacksIt(request));
        Assert.True(request.ContainsKey("thinking"));
    }

    [Fact]
    public void Drop_LaterStepsOfTheLoopWithoutThinking_KeepsIt()
    {
        // Without interleaved thinking the model thinks once, at the start of the turn: later steps have none.
        var request = Request(Enabled, User, Assistant(Signed, Call), Result, Assistant(Call), Result);

        Assert.False(CanonicalThinking.DropThinkingIfHistoryLacksIt(request));
    }

    [Fact]
    public void Drop_FirstStepOfTheLoopWithoutThinking_RemovesIt()
    {
        var request = Request(Enabled, User, Assistant(Call), Result, Assistant(Signed, Call), Result);

        Assert.True(CanonicalThinking.DropThinkingIfHistoryLacksIt(request));
    }

    [Fact]
    public void Drop_FinishedLoopFollowedByNewUserTurn_KeepsIt()
    {
        var request = Request(Enabled, User, Assistant(Call), Result, Assistant("""{"type": "text", "text": "Sunny."}"""), User);

        Assert.False(CanonicalThinking.DropThinkingIfHistoryLacksIt(request));
    }

    [Fact]
    public void Drop_ToolResultsWithUserTextInTheSameMessage_StillCountsAsTheLoop()
    {
        var resultAndText = """
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1"}, {"type": "text", "text": "and hurry"}]}
            """;
        var request = Request(Enabled, User, Assistant(Call), resultAndText);

        Assert.True(CanonicalThinking.DropThinkingIfHistoryLacksIt(request));
    }

    [Fact]
    public void Drop_AdaptiveWithEffort_RemovesEffortAndEmptyOutputConfig()
    {
        var request = Request("""{"type": "adaptive"}""", User, Assistant(Call), Result);
        request["output_config"] = new JsonObject { ["effort"] = "high" };

        Assert.True(CanonicalThinking.DropThinkingIfHistoryLacksIt(request));
        Assert.False(request.ContainsKey("thinking"));
        Assert.False(request.ContainsKey("output_config"));
    }

    [Fact]
    public void Drop_OutputConfigWithFormat_KeepsTheFormat()
    {
        var request = Request("""{"type": "adaptive"}""", User, Assistant(Call), Result);
        request["output_config"] = JsonNode.Parse("""{"effort": "low", "format": {"type": "json_schema", "schema": {}}}""");

        CanonicalThinking.DropThinkingIfHistoryLacksIt(request);

        Golden.AssertJson(JsonNode.Parse("""{"format": {"type": "json_schema", "schema": {}}}"""), request["output_config"]);
    }

    [Fact]
    public void Drop_ThinkingClearingEdits_GoWithTheThinking()
    {
        var request = Request(Enabled, User, Assistant(Call), Result);
        request["context_management"] = JsonNode.Parse(
            """{"edits": [{"type": "clear_thinking_20251015"}, {"type": "clear_tool_uses_20250919"}]}""");

        CanonicalThinking.DropThinkingIfHistoryLacksIt(request);

        Golden.AssertJson(JsonNode.Parse("""{"edits": [{"type": "clear_tool_uses_20250919"}]}"""), request["context_management"]);
    }

    [Theory]
    [InlineData("""{"type": "disabled"}""")]
    [InlineData("null")]
    public void Drop_ThinkingOff_LeavesTheRequestAlone(string thinking)
    {
        var request = Request(thinking, User, Assistant(Call), Result);
        var before = request.DeepClone();

        Assert.False(CanonicalThinking.DropThinkingIfHistoryLacksIt(request));
        Golden.AssertJson(before, request);
    }

    [Fact]
    public void Drop_NoToolLoop_KeepsThinking()
    {
        var request = Request(Enabled, User, Assistant("""{"type": "text", "text": "Hi."}"""), User);

        Assert.False(CanonicalThinking.DropThinkingIfHistoryLacksIt(request));
    }
}
