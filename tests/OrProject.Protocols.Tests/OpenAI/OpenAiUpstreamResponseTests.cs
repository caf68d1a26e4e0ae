using System.Text.Json.Nodes;
using OrProject.Protocols.OpenAI;
using OrProject.Protocols.OpenAI.Upstream;
namespace OrProject.Protocols.Tests.OpenAI;

public sealed class OpenAiUpstreamResponseTests
{
    [Fact]
    public void ToCanonicalMessage_ToolCallsWithBadArgs_MatchesGolden()
    {
        var names = new ToolNameMap();
        names.ToUpstream("mcp__files__read.file");

        var message = OpenAiUpstreamResponse.ToCanonicalMessage(Golden.Object("Upstream/Response/tools.input.json"), "msg_test", names);

        Golden.AssertMatches("Upstream/Response/tools.expected.json", message);
    }

    [Fact]
    public void ToCanonicalMessage_NoUsageAndBlankText_UsesEstimateAndNoTextBlock()
    {
        var completion = JsonNode.Parse("""
            {"model": "x", "choices": [{"index": 0, "message": {"role": "assistant", "content": "\n"}, "finish_reason": "stop"}]}
            """)!.AsObject();

        var message = OpenAiUpstreamResponse.ToCanonicalMessage(completion, "msg_2", estimatedInputTokens: 33, model: "claude-x");

        Assert.Empty(message["content"]!.AsArray());
        Assert.Equal("end_turn", (string?)message["stop_reason"]);
        Assert.Equal(33, (long)message["usage"]!["input_tokens"]!);
        Assert.Equal("claude-x", (string?)message["model"]);
    }
}
