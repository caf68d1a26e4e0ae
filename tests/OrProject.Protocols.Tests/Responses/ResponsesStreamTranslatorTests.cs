using System.Text.Json.Nodes;
using OrProject.Contracts.Messaging;
using OrProject.Protocols.Tests.OpenAI;
using OrProject.Protocols.OpenAI.Responses;

namespace OrProject.Protocols.Tests.Responses;

public sealed class ResponsesStreamTranslatorTests
{
    private static readonly ResponsesContext Context = new("resp_abc", "gpt-5-codex", 1700000000);

    [Theory]
    [InlineData("text-and-tool")]
    [InlineData("max-tokens")]
    [InlineData("error")]
    public void Translate_GoldenStream_MatchesExpected(string name)
    {
        var events = Run(Golden.Events($"Responses/Stream/{name}.input.sse"));

        Golden.AssertMatches($"Responses/Stream/{name}.expected.json", Golden.EventsAsJson(events));
    }

    [Theory]
    [InlineData("text-and-tool")]
    [InlineData("max-tokens")]
    [InlineData("error")]
    public void Translate_AnyStream_SequenceIncreasesAndEventNameEqualsType(string name)
    {
        var events = Run(Golden.Events($"Responses/Stream/{name}.input.sse"));

        var data = events.Select(e => JsonNode.Parse(e.Data)!).ToList();
        Assert.Equal(Enumerable.Range(0, data.Count), data.Select(d => (int)d["sequence_number"]!));
        Assert.All(events, e => Assert.Equal(e.Event, (string?)JsonNode.Parse(e.Data)!["type"]));
    }

    [Fact]
    public void Translate_FunctionCallDone_CarriesCompleteItem()
    {
        var events = Run(Golden.Events("Responses/Stream/text-and-tool.input.sse"));

        var done = events.Select(e => JsonNode.Parse(e.Data)!)
            .Single(d => (string?)d["type"] == "response.output_item.done" && (string?)d["item"]!["type"] == "function_call");
        Assert.Equal("""{"command":["ls"]}""", (string?)done["item"]!["arguments"]);
        Assert.Equal("toolu_1", (string?)done["item"]!["call_id"]);
        Assert.Equal("completed", (string?)done["item"]!["status"]);
    }

    [Theory]
    [InlineData("codex-reasoning-tools")]
    [InlineData("web-search")]
    public void Translate_CodexGoldenStream_MatchesExpectedWithReasoningAndToolItems(string name)
    {
        var events = Run(Golden.Events($"Responses/Stream/{name}.input.sse"), CodexContext());

        Golden.AssertMatches($"Responses/Stream/{name}.expected.json", Golden.EventsAsJson(events));
        var data = events.Select(e => JsonNode.Parse(e.Data)!).ToList();
        Assert.Equal(Enumerable.Range(0, data.Count), data.Select(d => (int)d["sequence_number"]!));
    }

    [Fact]
    public void Translate_ThinkingThenTool_ReasoningItemReplaysAsTheSignedBlockFirst()
    {
        var context = CodexContext();
        var events = Run(Golden.Events("Responses/Stream/codex-reasoning-tools.input.sse"), context);
        var output = JsonNode.Parse(events[^1].Data)!["response"]!["output"]!.AsArray();
        var input = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Fix it." });
        foreach (var item in output)
        {
            input.Add(item!.DeepClone());
        }

        input.Add(new JsonObject { ["type"] = "custom_tool_call_output", ["call_id"] = "toolu_02", ["output"] = "Done" });
        input.Add(new JsonObject { ["type"] = "function_call_output", ["call_id"] = "toolu_03", ["output"] = "#7" });
        var next = context.Request!.DeepClone().AsObject();
        next["input"] = input;

        var canonical = ResponsesRequestTranslator.ToCanonical(next).Request!;

        Assert.NotNull(canonical["thinking"]);
        var assistant = canonical["messages"]![1]!["content"]!.AsArray();
        Golden.AssertJson(
            JsonNode.Parse("""{"type":"thinking","thinking":"The test expects 2; patch a.py, then file an issue.","signature":"EqQBCkYIBxgCKkDsig9"}"""),
            assistant[0]);
        Assert.Equal(["thinking", "text", "tool_use", "tool_use"], assistant.Select(b => (string?)b!["type"]));
        Golden.AssertJson(JsonNode.Parse("""{"input":"*** Begin Patch\n*** Update File: a.py\n*** End Patch"}"""), assistant[2]!["input"]);
        Assert.Equal("mcp__github__create_issue", (string?)assistant[3]!["name"]);
    }

    [Fact]
    public void Finish_StreamCutWithoutStopReason_EndsWithResponseFailed()
    {
        var cut = Golden.Events("Responses/Stream/text-and-tool.input.sse").Take(9).ToList();
        var translator = new ResponsesStreamTranslator(Context);
        foreach (var e in cut)
        {
            translator.Translate(e);
        }

        var end = translator.Finish();

        Assert.Equal("response.failed", end[^1].Event);
        Assert.Empty(translator.Finish());
    }

    [Fact]
    public void Translate_ToolWithoutArgumentsAndEmptyText_GivesEmptyObjectAndNoMessageItem()
    {
        var events = Run(
        [
            Canonical("message_start", """{"message":{"usage":{"input_tokens":1,"output_tokens":1}}}"""),
            Canonical("content_block_start", """{"index":0,"content_block":{"type":"text","text":""}}"""),
            Canonical("content_block_stop", """{"index":0}"""),
            Canonical("content_block_start", """{"index":1,"content_block":{"type":"tool_use","id":"toolu_9","name":"now","input":{}}}"""),
            Canonical("content_block_stop", """{"index":1}"""),
            Canonical("message_delta", """{"delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":2}}"""),
            Canonical("message_stop", "{}"),
        ]);

        var completed = JsonNode.Parse(events[^1].Data)!["response"]!;
        var item = Assert.Single(completed["output"]!.AsArray())!;
        Assert.Equal("{}", (string?)item["arguments"]);
        Assert.Equal("fc_abc_0", (string?)item["id"]);
    }

    private static SseEvent Canonical(string name, string data)
    {
        var node = JsonNode.Parse(data)!.AsObject();
        node.Insert(0, "type", name);
        return new SseEvent(name, node.ToJsonString());
    }

    /// <summary>A context whose request asks what Codex asks: summaries, encrypted reasoning, its tool kinds.</summary>
    internal static ResponsesContext CodexContext() => new("resp_abc", "gpt-5-codex", 1700000000)
    {
        Request = JsonNode.Parse("""
            {"model": "claude-sonnet-4-5", "input": "ignored", "reasoning": {"effort": "high", "summary": "auto"},
             "include": ["reasoning.encrypted_content"], "store": false,
             "tools": [
               {"type": "function", "name": "shell_command", "parameters": {"type": "object", "properties": {"command": {"type": "string"}}}},
               {"type": "custom", "name": "apply_patch", "format": {"type": "grammar", "syntax": "lark", "definition": "start: patch"}},
               {"type": "namespace", "name": "mcp__github", "description": "GitHub.", "tools": [
                 {"type": "function", "name": "create_issue", "parameters": {"type": "object", "properties": {"title": {"type": "string"}}}}]},
               {"type": "web_search"}]}
            """)!.AsObject(),
    };

    private static List<SseEvent> Run(IEnumerable<SseEvent> canonical, ResponsesContext? context = null)
    {
        var translator = new ResponsesStreamTranslator(context ?? Context);
        var events = new List<SseEvent>();
        foreach (var e in canonical)
        {
            events.AddRange(translator.Translate(e));
        }

        events.AddRange(translator.Finish());
        return events;
    }
}
