using System.Text.Json.Nodes;
using OrProject.Contracts.Messaging;
using OrProject.Protocols.Canonical;

namespace OrProject.Protocols.OpenAI.Responses;

/// <summary>How each kind of output item ends: its closing events, and the completed item that replaces it in the output.</summary>
public sealed partial class ResponsesStreamTranslator
{
    private void Close(List<SseEvent> output)
    {
        var item = _open;
        _open = null;
        var text = _text.ToString();
        _text.Clear();
        var signature = _signature.ToString();
        _signature.Clear();
        if (item is null || item.Kind == ItemKind.PendingText)
        {
            return;
        }

        var index = _output.Count - 1;
        JsonObject done;
        switch (item.Kind)
        {
            case ItemKind.Text:
                Emit("response.output_text.done", Located(new JsonObject { ["content_index"] = 0, ["text"] = text, ["logprobs"] = new JsonArray() }, item), output);
                Emit("response.content_part.done", Located(new JsonObject { ["content_index"] = 0, ["part"] = ResponseObject.TextPart(text) }, item), output);
                done = ResponseObject.Message(item.Id, "completed", text);
                break;
            case ItemKind.Reasoning:
                if (_summaries && text.Length > 0)
                {
                    Emit("response.reasoning_summary_text.done", Located(new JsonObject { ["summary_index"] = 0, ["text"] = text }, item), output);
                    Emit("response.reasoning_summary_part.done", Located(new JsonObject { ["summary_index"] = 0, ["part"] = ResponseObject.SummaryPart(text) }, item), output);
                }

                var block = item.Block as JsonObject ?? [];
                if (JsonNodes.Str(block["type"]) == "thinking")
                {
                    block["thinking"] = JsonNodes.Str(block["thinking"]) + text;
                    block["signature"] = JsonNodes.Str(block["signature"]) + signature;
                }

                done = ResponseObject.Reasoning(context, item.Id, block);
                break;
            case ItemKind.WebSearch:
                Emit("response.web_search_call.completed", Located([], item), output);
                done = ResponseObject.WebSearchCall(item.Id, "completed", JsonNodes.Str(Input(item, text)?["query"]));
                break;
            case ItemKind.Custom:
                var input = ResponseObject.CustomText(Input(item, text));
                // The input arrives as JSON fragments of {"input": "…"}; the raw text is known only once they are all in.
                if (input.Length > 0)
                {
                    Emit("response.custom_tool_call_input.delta", Located(new JsonObject { ["delta"] = input }, item), output);
                }

                Emit("response.custom_tool_call_input.done", Located(new JsonObject { ["input"] = input }, item), output);
                done = ResponseObject.CustomToolCall(item.Id, "completed", item.CallId, item.Origin!, input);
                break;
            case ItemKind.LocalShell:
                done = ResponseObject.LocalShellCall(item.Id, "completed", item.CallId, Input(item, text));
                break;
            default:
                // A tool without parameters streams no fragments; "{}" is what a client can parse.
                var arguments = text.Length > 0 ? text : "{}";
                Emit("response.function_call_arguments.done", Located(new JsonObject { ["arguments"] = arguments, ["name"] = item.Origin!.Name }, item), output);
                done = ResponseObject.FunctionCall(item.Id, "completed", item.CallId, item.Origin!, arguments);
                break;
        }

        _output[index] = done;
        Emit("response.output_item.done", new JsonObject { ["output_index"] = index, ["item"] = done.DeepClone() }, output);
    }

    /// <summary>A tool block's input: the streamed JSON fragments, or the input its start event carried when none came.</summary>
    private static JsonObject? Input(Item item, string fragments) =>
        fragments.Length > 0 ? JsonNodes.ParseObject(fragments) : item.Block?["input"] as JsonObject;

    private enum ItemKind
    {
        PendingText,
        Text,
        Reasoning,
        Function,
        Custom,
        LocalShell,
        WebSearch,
    }

    private sealed record Item(ItemKind Kind, string Id, string CallId, ToolOrigin? Origin)
    {
        /// <summary>The content block as it started (a redacted block's data, a tool's input when given whole).</summary>
        public JsonNode? Block { get; init; }
    }
}
