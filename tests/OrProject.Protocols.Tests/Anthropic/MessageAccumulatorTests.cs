using System.Text.Json.Nodes;
using OrProject.Contracts.Messaging;
using OrProject.Protocols.Anthropic;

namespace OrProject.Protocols.Tests.Anthropic;

public sealed class MessageAccumulatorTests
{
    private const string Start = """{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1,"cache_creation_input_tokens":7,"cache_read_input_tokens":9}}}""";

    private static JsonObject Accumulate(params (string Event, string Data)[] events)
    {
        var accumulator = new MessageAccumulator();
        accumulator.Add(new SseEvent("message_start", Start));
        foreach (var (name, data) in events)
        {
            accumulator.Add(new SseEvent(name, data));
        }

        return accumulator.ToMessage();
    }

    private static (string, string) BlockStart(int index, string block) =>
        ("content_block_start", $$"""{"type":"content_block_start","index":{{index}},"content_block":{{block}}}""");

    private static (string, string) Delta(int index, string delta) =>
        ("content_block_delta", $$"""{"type":"content_block_delta","index":{{index}},"delta":{{delta}}}""");

    private static (string, string) Stop(int index) => ("content_block_stop", $$"""{"type":"content_block_stop","index":{{index}}}""");

    private static (string, string) InputJson(int index, string partial) =>
        Delta(index, new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = partial }.ToJsonString());

    [Fact]
    public void ToMessage_TextDeltas_ConcatenatedIntoOneTextBlock()
    {
        var message = Accumulate(
            BlockStart(0, """{"type":"text","text":""}"""),
            ("ping", """{"type":"ping"}"""),
            Delta(0, """{"type":"text_delta","text":"Hel"}"""),
            Delta(0, """{"type":"text_delta","text":"lo, wörld"}"""),
            Stop(0));

        var block = Assert.Single(message["content"]!.AsArray())!;
        Assert.Equal("text", (string?)block["type"]);
        Assert.Equal("Hello, wörld", (string?)block["text"]);
        Assert.Equal("msg_1", (string?)message["id"]);
    }

    [Fact]
    public void ToMessage_ToolUseFragments_InputRebuiltFromFragmentsOnly()
    {
        var message = Accumulate(
            BlockStart(0, """{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"stale":"placeholder"}}"""),
            InputJson(0, ""),
            InputJson(0, "{\"location\": \"Pa"),
            InputJson(0, "ris\", \"days\": [1,"),
            InputJson(0, " 2]}"),
            Stop(0));

        var block = Assert.Single(message["content"]!.AsArray())!;
        Assert.Equal("toolu_1", (string?)block["id"]);
        Assert.Equal("get_weather", (string?)block["name"]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"location":"Paris","days":[1,2]}"""), block["input"]));
    }

    [Fact]
    public void ToMessage_ToolUseWithInputOnlyInStartEvent_InputIsEmptyObject()
    {
        // The SDKs ignore content_block_start.input: a translator that puts the arguments there yields input {}.
        var message = Accumulate(
            BlockStart(0, """{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"location":"Paris"}}"""),
            Stop(0));

        Assert.True(JsonNode.DeepEquals(new JsonObject(), message["content"]![0]!["input"]));
    }

    [Fact]
    public void ToMessage_ServerToolUseFragments_InputRebuiltToo()
    {
        var message = Accumulate(
            BlockStart(0, """{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{}}"""),
            InputJson(0, "{\"query\": "),
            InputJson(0, "\"weather\"}"),
            Stop(0));

        Assert.Equal("weather", (string?)message["content"]![0]!["input"]!["query"]);
    }

    [Fact]
    public void ToMessage_ThinkingAndSignatureDeltas_ThinkingBlockCarriesBoth()
    {
        var message = Accumulate(
            BlockStart(0, """{"type":"thinking","thinking":"","signature":""}"""),
            Delta(0, """{"type":"thinking_delta","thinking":"Let me "}"""),
            Delta(0, """{"type":"thinking_delta","thinking":"think. 考え"}"""),
            Delta(0, """{"type":"signature_delta","signature":"EqQB+/abc=="}"""),
            Stop(0),
            BlockStart(1, """{"type":"redacted_thinking","data":"opaque+/=="}"""),
            Stop(1),
            BlockStart(2, """{"type":"text","text":""}"""),
            Delta(2, """{"type":"text_delta","text":"Answer"}"""),
            Stop(2));

        var content = message["content"]!.AsArray();
        Assert.Equal(["thinking", "redacted_thinking", "text"], content.Select(b => (string?)b!["type"]));
        Assert.Equal("Let me think. 考え", (string?)content[0]!["thinking"]);
        Assert.Equal("EqQB+/abc==", (string?)content[0]!["signature"]);
        Assert.Equal("opaque+/==", (string?)content[1]!["data"]);
        Assert.Equal("Answer", (string?)content[2]!["text"]);
    }

    [Fact]
    public void ToMessage_CitationsDeltas_AppendedInOrderToTextBlock()
    {
        var message = Accumulate(
            BlockStart(0, """{"type":"text","text":"","citations":[]}"""),
            Delta(0, """{"type":"citations_delta","citation":{"type":"char_location","cited_text":"The sky is blue.","document_index":0,"start_char_index":0,"end_char_index":16}}"""),
            Delta(0, """{"type":"text_delta","text":"The sky is blue"}"""),
            Delta(0, """{"type":"citations_delta","citation":{"type":"char_location","cited_text":"Grass is green.","document_index":0,"start_char_index":17,"end_char_index":32}}"""),
            Stop(0));

        var block = message["content"]![0]!;
        Assert.Equal("The sky is blue", (string?)block["text"]);
        var citations = block["citations"]!.AsArray();
        Assert.Equal(["The sky is blue.", "Grass is green."], citations.Select(c => (string?)c!["cited_text"]));
    }

    [Fact]
    public void ToMessage_SeveralMessageDeltas_UsageIsCumulativeNotSummed()
    {
        var message = Accumulate(
            ("message_delta", """{"type":"message_delta","delta":{"stop_reason":null,"stop_sequence":null},"usage":{"output_tokens":10}}"""),
            ("message_delta", """{"type":"message_delta","delta":{"stop_reason":"stop_sequence","stop_sequence":"END"},"usage":{"output_tokens":25,"input_tokens":30,"cache_read_input_tokens":null}}"""),
            ("message_stop", """{"type":"message_stop"}"""));

        var usage = message["usage"]!;
        Assert.Equal(25, (long)usage["output_tokens"]!);
        Assert.Equal(30, (long)usage["input_tokens"]!);
        Assert.Equal(7, (long)usage["cache_creation_input_tokens"]!);
        Assert.Equal(9, (long)usage["cache_read_input_tokens"]!); // a null in a later report keeps the earlier value
        Assert.Equal("stop_sequence", (string?)message["stop_reason"]);
        Assert.Equal("END", (string?)message["stop_sequence"]);
    }

    [Fact]
    public void ToMessage_BlockNeverStopped_StillFolded()
    {
        var message = Accumulate(
            BlockStart(0, """{"type":"text","text":""}"""),
            Delta(0, """{"type":"text_delta","text":"cut"}"""));

        Assert.Equal("cut", (string?)message["content"]![0]!["text"]);
    }

    [Fact]
    public void Add_ErrorEvent_KeepsTheErrorPayload()
    {
        var accumulator = new MessageAccumulator();
        accumulator.Add(new SseEvent("message_start", Start));

        accumulator.Add(new SseEvent("error", """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"""));

        Assert.Equal("overloaded_error", (string?)accumulator.Error!["type"]);
    }

    [Fact]
    public void Add_UnknownEventTypes_Ignored()
    {
        var message = Accumulate(
            ("some_future_event", """{"type":"some_future_event","x":1}"""),
            BlockStart(0, """{"type":"text","text":""}"""),
            Delta(0, """{"type":"future_delta","x":1}"""),
            Delta(0, """{"type":"text_delta","text":"ok"}"""),
            Stop(0));

        Assert.Equal("ok", (string?)Assert.Single(message["content"]!.AsArray())!["text"]);
    }

    [Fact]
    public void ToMessage_NoMessageStart_Throws()
    {
        var accumulator = new MessageAccumulator();

        Assert.False(accumulator.Started);
        Assert.Throws<InvalidOperationException>(accumulator.ToMessage);
    }
}
