using System.Text.Json.Nodes;
using OrProject.Contracts.OpenAI;

namespace OrProject.Contracts.Responses;

/// <summary>Canonical (Anthropic) non-streaming message → Responses <c>response</c> object.</summary>
public static class ResponsesResponseTranslator
{
    /// <summary>
    /// Each non-empty text block becomes a <c>message</c> item and each tool_use a <c>function_call</c> item
    /// (<c>call_id</c> = the tool_use id), all <c>completed</c>. Thinking and server-tool blocks are left out.
    /// Status follows the stop reason (see <see cref="ResponsesStreamTranslator"/>).
    /// </summary>
    public static JsonObject FromCanonicalMessage(JsonObject anthropicMessage, ResponsesContext context)
    {
        var output = new JsonArray();
        foreach (var block in anthropicMessage["content"] as JsonArray ?? [])
        {
            switch (JsonHelp.Str(block?["type"]))
            {
                case "text" when JsonHelp.Str(block?["text"]) is { Length: > 0 } text:
                    output.Add(ResponseObject.Message(ResponseObject.ItemId(context, "msg", output.Count), "completed", text));
                    break;
                case "tool_use":
                    output.Add(ResponseObject.FunctionCall(
                        ResponseObject.ItemId(context, "fc", output.Count),
                        "completed",
                        JsonHelp.Str(block?["id"]) ?? "",
                        JsonHelp.Str(block?["name"]) ?? "",
                        JsonHelp.Write(block?["input"] ?? new JsonObject())));
                    break;
                default:
                    break;
            }
        }

        var (status, details) = ResponseObject.Outcome(JsonHelp.Str(anthropicMessage["stop_reason"]));
        return ResponseObject.Build(context, status, output, UsageMapping.FromAnthropic(anthropicMessage["usage"]), null, details);
    }
}
