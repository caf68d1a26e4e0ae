using System.Text.Json.Nodes;
using OrProject.Protocols.Canonical;
namespace OrProject.Protocols.OpenAI.Responses;

/// <summary>Canonical (Anthropic) non-streaming message → Responses <c>response</c> object.</summary>
public static class ResponsesResponseTranslator
{
    /// <summary>
    /// Each thinking block becomes a <c>reasoning</c> item, each non-empty text block a <c>message</c> item, each
    /// tool_use the call item its tool was declared as (<c>function_call</c>, <c>custom_tool_call</c>,
    /// <c>local_shell_call</c>; <c>call_id</c> = the tool_use id) and each web search a <c>web_search_call</c>, all
    /// <c>completed</c>. Search results are left out: the model's text carries what it took from them.
    /// Status follows the stop reason (see <see cref="ResponsesStreamTranslator"/>).
    /// </summary>
    public static JsonObject FromCanonicalMessage(JsonObject anthropicMessage, ResponsesContext context)
    {
        var tools = ResponsesTools.Lenient(context.Request?["tools"]);
        var output = new JsonArray();
        foreach (var block in anthropicMessage["content"] as JsonArray ?? [])
        {
            switch (JsonNodes.Str(block?["type"]))
            {
                case "thinking" or "redacted_thinking":
                    output.Add(ResponseObject.Reasoning(context, ResponseObject.ItemId(context, "rs", output.Count), block));
                    break;
                case "text" when JsonNodes.Str(block?["text"]) is { Length: > 0 } text:
                    output.Add(ResponseObject.Message(ResponseObject.ItemId(context, "msg", output.Count), "completed", text));
                    break;
                case "tool_use":
                    var origin = tools.Origin(JsonNodes.Str(block?["name"]) ?? "");
                    output.Add(ResponseObject.ToolCall(
                        ResponseObject.ItemId(context, ResponseObject.CallPrefix(origin.Kind), output.Count),
                        "completed",
                        JsonNodes.Str(block?["id"]) ?? "",
                        origin,
                        block?["input"] as JsonObject));
                    break;
                case "server_tool_use" when JsonNodes.Str(block?["name"]) == "web_search":
                    output.Add(ResponseObject.WebSearchCall(
                        ResponseObject.ItemId(context, "ws", output.Count), "completed", JsonNodes.Str(block?["input"]?["query"])));
                    break;
                default:
                    break;
            }
        }

        var (status, details) = ResponseObject.Outcome(JsonNodes.Str(anthropicMessage["stop_reason"]));
        return ResponseObject.Build(context, status, output, UsageMapping.FromAnthropic(anthropicMessage["usage"]), null, details);
    }
}
