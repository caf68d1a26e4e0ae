using System.Text;
using System.Text.Json.Nodes;
using OrProject.Contracts.Messaging;
using OrProject.Protocols.Anthropic;
using OrProject.Protocols.Canonical;
namespace OrProject.Protocols.OpenAI.Responses;

/// <summary>
/// Canonical stream events → Responses API stream events, for one request. Each result is an
/// <see cref="SseEvent"/> whose name is the event <c>type</c>; every payload carries <c>type</c> and an increasing
/// <c>sequence_number</c>. Thinking blocks become reasoning items (the thinking streamed as a summary part when
/// summaries were asked for; <c>output_item.done</c> carries the <c>encrypted_content</c>), text blocks message items
/// (opened on the first non-empty text), tool_use blocks the call items their tools were declared as
/// (<see cref="ResponsesTools"/>), whose <c>output_item.done</c> carries the complete arguments or input, and web
/// searches <c>web_search_call</c> items. The stream always ends with one
/// terminal event: <c>response.completed</c> — also for a max-tokens or refusal stop, with status <c>incomplete</c> and
/// <c>incomplete_details</c>, because Codex treats every other terminal type as a failed stream — or
/// <c>response.failed</c> for an error or a stream that ended without a stop reason.
/// </summary>
public sealed partial class ResponsesStreamTranslator(ResponsesContext context)
{
    private readonly JsonArray _output = [];
    private readonly StringBuilder _text = new();
    private readonly StringBuilder _signature = new();
    private readonly ResponsesTools _tools = ResponsesTools.Lenient(context.Request?["tools"]);
    private readonly bool _summaries = ResponseObject.WantsSummary(context);
    private Item? _open;
    private int _sequence;
    private TokenUsage _usage = TokenUsage.Zero;
    private string? _stopReason;
    private bool _started;

    /// <summary>A terminal event was emitted; later events are ignored.</summary>
    public bool Completed { get; private set; }

    public IReadOnlyList<SseEvent> Translate(SseEvent canonicalEvent)
    {
        var output = new List<SseEvent>();
        if (Completed)
        {
            return output;
        }

        switch (canonicalEvent.Event)
        {
            case "message_start":
                _usage = UsageMapping.FromAnthropic(JsonNode.Parse(canonicalEvent.Data)?["message"]?["usage"]);
                Start(output);
                break;
            case "content_block_start":
                Start(output);
                BlockStart(JsonNodes.Object(canonicalEvent.Data)["content_block"], output);
                break;
            case "content_block_delta":
                BlockDelta(JsonNodes.Object(canonicalEvent.Data)["delta"], output);
                break;
            case "content_block_stop":
                Close(output);
                break;
            case "message_delta":
                var data = JsonNodes.Object(canonicalEvent.Data);
                _usage = UsageMapping.Merge(_usage, data["usage"]);
                _stopReason = JsonNodes.Str(data["delta"]?["stop_reason"]) ?? _stopReason;
                break;
            case "message_stop":
                Terminate(output);
                break;
            case "error":
                var (type, message) = CanonicalEvents.ReadError(canonicalEvent.Data);
                Fail(type, message, output);
                break;
            default:
                break; // ping and event types newer than this code
        }

        return output;
    }

    /// <summary>Ends a canonical stream that stopped early; idempotent. Without a stop reason that is a failure.</summary>
    public IReadOnlyList<SseEvent> Finish()
    {
        var output = new List<SseEvent>();
        if (!Completed)
        {
            Terminate(output);
        }

        return output;
    }

    private void Start(List<SseEvent> output)
    {
        if (_started)
        {
            return;
        }

        _started = true;
        var response = ResponseObject.Build(context, "in_progress", [], null);
        Emit("response.created", new JsonObject { ["response"] = response }, output);
        Emit("response.in_progress", new JsonObject { ["response"] = response.DeepClone() }, output);
    }

    private void BlockStart(JsonNode? block, List<SseEvent> output)
    {
        Close(output);
        switch (JsonNodes.Str(block?["type"]))
        {
            case "text":
                _open = new Item(ItemKind.PendingText, "", "", null);
                break;
            case "thinking" or "redacted_thinking":
                _open = Open(ItemKind.Reasoning, "rs", "", null, block, output);
                break;
            case "tool_use":
                var origin = _tools.Origin(JsonNodes.Str(block?["name"]) ?? "");
                var kind = origin.Kind switch
                {
                    ToolKind.Custom => ItemKind.Custom,
                    ToolKind.LocalShell => ItemKind.LocalShell,
                    _ => ItemKind.Function,
                };
                _open = Open(kind, ResponseObject.CallPrefix(origin.Kind), JsonNodes.Str(block?["id"]) ?? "", origin, block, output);
                break;
            case "server_tool_use" when JsonNodes.Str(block?["name"]) == "web_search":
                _open = Open(ItemKind.WebSearch, "ws", "", null, block, output);
                Emit("response.web_search_call.in_progress", Located([]), output);
                Emit("response.web_search_call.searching", Located([]), output);
                break;
            default:
                break; // search results, other server tools: no Responses item
        }
    }

    /// <summary>Reserves the next output_index for a new item and announces it, in progress and empty.</summary>
    private Item Open(ItemKind kind, string prefix, string callId, ToolOrigin? origin, JsonNode? block, List<SseEvent> output)
    {
        var index = _output.Count;
        var item = new Item(kind, ResponseObject.ItemId(context, prefix, index), callId, origin) { Block = block?.DeepClone() };
        _output.Add(null); // reserves output_index until the item is done
        var added = kind switch
        {
            ItemKind.Reasoning => new JsonObject { ["id"] = item.Id, ["type"] = "reasoning", ["summary"] = new JsonArray() },
            ItemKind.WebSearch => ResponseObject.WebSearchCall(item.Id, "in_progress", null),
            ItemKind.Custom => ResponseObject.CustomToolCall(item.Id, "in_progress", callId, origin!, ""),
            ItemKind.LocalShell => ResponseObject.LocalShellCall(item.Id, "in_progress", callId, null),
            _ => ResponseObject.FunctionCall(item.Id, "in_progress", callId, origin!, ""),
        };
        Emit("response.output_item.added", new JsonObject { ["output_index"] = index, ["item"] = added }, output);
        return item;
    }

    private void BlockDelta(JsonNode? delta, List<SseEvent> output)
    {
        var type = JsonNodes.Str(delta?["type"]);
        if (type == "text_delta" && _open?.Kind is ItemKind.PendingText or ItemKind.Text && JsonNodes.Str(delta?["text"]) is { Length: > 0 } text)
        {
            if (_open.Kind == ItemKind.PendingText)
            {
                OpenMessage(output);
            }

            _text.Append(text);
            Emit("response.output_text.delta", Located(new JsonObject { ["content_index"] = 0, ["delta"] = text, ["logprobs"] = new JsonArray() }), output);
        }
        else if (type == "thinking_delta" && _open?.Kind == ItemKind.Reasoning && JsonNodes.Str(delta?["thinking"]) is { Length: > 0 } thinking)
        {
            if (_summaries && _text.Length == 0)
            {
                Emit("response.reasoning_summary_part.added", Located(new JsonObject { ["summary_index"] = 0, ["part"] = ResponseObject.SummaryPart("") }), output);
            }

            _text.Append(thinking);
            if (_summaries)
            {
                Emit("response.reasoning_summary_text.delta", Located(new JsonObject { ["summary_index"] = 0, ["delta"] = thinking }), output);
            }
        }
        else if (type == "signature_delta" && _open?.Kind == ItemKind.Reasoning)
        {
            _signature.Append(JsonNodes.Str(delta?["signature"]));
        }
        else if (type == "input_json_delta" && _open?.Kind is ItemKind.Function or ItemKind.Custom or ItemKind.LocalShell or ItemKind.WebSearch &&
                 JsonNodes.Str(delta?["partial_json"]) is { Length: > 0 } fragment)
        {
            _text.Append(fragment);
            if (_open.Kind == ItemKind.Function)
            {
                Emit("response.function_call_arguments.delta", Located(new JsonObject { ["delta"] = fragment }), output);
            }
        }
    }

    private void OpenMessage(List<SseEvent> output)
    {
        var index = _output.Count;
        _open = new Item(ItemKind.Text, ResponseObject.ItemId(context, "msg", index), "", null);
        _output.Add(null);
        Emit("response.output_item.added", new JsonObject
        {
            ["output_index"] = index,
            ["item"] = ResponseObject.Message(_open.Id, "in_progress", null),
        }, output);
        Emit("response.content_part.added", Located(new JsonObject { ["content_index"] = 0, ["part"] = ResponseObject.TextPart("") }), output);
    }

    private void Terminate(List<SseEvent> output)
    {
        if (_stopReason is null)
        {
            Fail(AnthropicErrors.Api, "The upstream stream ended before the response completed.", output);
            return;
        }

        Start(output);
        Close(output);
        var (status, details) = ResponseObject.Outcome(_stopReason);
        var response = ResponseObject.Build(context, status, Finished(), _usage, null, details);
        Emit("response.completed", new JsonObject { ["response"] = response }, output);
        Completed = true;
    }

    private void Fail(string type, string message, List<SseEvent> output)
    {
        Start(output);
        _open = null; // a half-streamed item is not complete: leave it out of the final output
        var response = ResponseObject.Build(context, "failed", Finished(), _usage, ResponseObject.Error(type, message));
        Emit("response.failed", new JsonObject { ["response"] = response }, output);
        Completed = true;
    }

    private JsonArray Finished() => [.. _output.Where(item => item is not null).Select(item => item!.DeepClone())];

    private JsonObject Located(JsonObject fields, Item? item = null)
    {
        fields.Insert(0, "item_id", (item ?? _open)!.Id);
        fields.Insert(1, "output_index", _output.Count - 1);
        return fields;
    }

    private void Emit(string type, JsonObject fields, List<SseEvent> output)
    {
        fields.Insert(0, "type", type);
        fields.Insert(1, "sequence_number", _sequence++);
        output.Add(new SseEvent(type, JsonNodes.Write(fields)));
    }
}
