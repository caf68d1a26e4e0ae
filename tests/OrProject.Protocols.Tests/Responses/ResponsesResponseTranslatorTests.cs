using System.Text.Json.Nodes;
using OrProject.Protocols.Tests.OpenAI;
using OrProject.Protocols.OpenAI.Responses;

namespace OrProject.Protocols.Tests.Responses;

public sealed class ResponsesResponseTranslatorTests
{
    [Fact]
    public void FromCanonicalMessage_TextAndTool_MatchesGoldenAndEchoesRequest()
    {
        var context = new ResponsesContext("resp_abc", "gpt-5-codex", 1700000000)
        {
            Request = JsonNode.Parse("""
                {"instructions": "Be brief.", "tools": [{"type": "function", "name": "shell", "parameters": {"type": "object"}}],
                 "max_output_tokens": 500, "input": "ignored"}
                """)!.AsObject(),
        };

        var response = ResponsesResponseTranslator.FromCanonicalMessage(Golden.Object("Responses/Response/tool.input.json"), context);

        Golden.AssertMatches("Responses/Response/tool.expected.json", response);
    }

    [Fact]
    public void FromCanonicalMessage_CodexReasoningAndTools_MatchesGolden()
    {
        var response = ResponsesResponseTranslator.FromCanonicalMessage(
            Golden.Object("Responses/Response/codex-reasoning-tools.input.json"), ResponsesStreamTranslatorTests.CodexContext());

        Golden.AssertMatches("Responses/Response/codex-reasoning-tools.expected.json", response);
    }

    [Fact]
    public void FromCanonicalMessage_NoIncludeNoSummary_ReasoningItemIsBare()
    {
        var message = Golden.Object("Responses/Response/codex-reasoning-tools.input.json");

        var response = ResponsesResponseTranslator.FromCanonicalMessage(message, new ResponsesContext("resp_1", "m", 1));

        Golden.AssertJson(
            JsonNode.Parse("""{"id": "rs_1_0", "type": "reasoning", "summary": []}"""), response["output"]![0]);
    }

    [Fact]
    public void FromCanonicalMessage_FunctionCallRoundTrip_RebuildsSameToolUse()
    {
        var message = Golden.Object("Responses/Response/tool.input.json");
        var response = ResponsesResponseTranslator.FromCanonicalMessage(message, new ResponsesContext("resp_1", "m", 1));
        var call = response["output"]!.AsArray().Single(i => (string?)i!["type"] == "function_call")!;
        var next = new JsonObject
        {
            ["model"] = "m",
            ["input"] = new JsonArray(
                call.DeepClone(),
                new JsonObject { ["type"] = "function_call_output", ["call_id"] = (string?)call["call_id"], ["output"] = "a.py" }),
        };

        var canonical = ResponsesRequestTranslator.ToCanonical(next).Request!;

        Golden.AssertJson(message["content"]![3], canonical["messages"]![0]!["content"]![0]);
        Assert.Equal("toolu_1", (string?)canonical["messages"]![1]!["content"]![0]!["tool_use_id"]);
    }
}
