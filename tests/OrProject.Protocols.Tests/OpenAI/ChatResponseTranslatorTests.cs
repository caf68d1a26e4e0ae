using System.Text.Json.Nodes;
using OrProject.Protocols.OpenAI.Chat;
namespace OrProject.Protocols.Tests.OpenAI;

public sealed class ChatResponseTranslatorTests
{
    [Theory]
    [InlineData("tools-thinking")]
    [InlineData("tool-only")]
    public void FromCanonicalMessage_GoldenMessage_MatchesExpected(string name)
    {
        var completion = ChatResponseTranslator.FromCanonicalMessage(
            Golden.Object($"Chat/Response/{name}.input.json"), "gpt-4o", 1700000000, "chatcmpl-abc");

        Golden.AssertMatches($"Chat/Response/{name}.expected.json", completion);
    }

    [Theory]
    [InlineData("end_turn", "stop")]
    [InlineData("stop_sequence", "stop")]
    [InlineData("pause_turn", "stop")]
    [InlineData("max_tokens", "length")]
    [InlineData("model_context_window_exceeded", "length")]
    [InlineData("tool_use", "tool_calls")]
    [InlineData("refusal", "content_filter")]
    public void FromCanonicalMessage_StopReason_MapsToFinishReason(string stopReason, string finishReason)
    {
        var message = JsonNode.Parse("""{"content": [{"type": "text", "text": "x"}], "usage": {"input_tokens": 1}}""")!.AsObject();
        message["stop_reason"] = stopReason;

        var completion = ChatResponseTranslator.FromCanonicalMessage(message, "m", 1, "chatcmpl-1");

        Assert.Equal(finishReason, (string?)completion["choices"]![0]!["finish_reason"]);
    }
}
