using System.Text.Json.Nodes;
using OrProject.Contracts.Messaging;

namespace OrProject.Protocols.Anthropic;

/// <summary>
/// A complete Messages API response turned into the event stream that would have produced it, for upstreams that
/// answer a streaming request with one JSON body. Tool input goes out as one <c>input_json_delta</c>, as the SDKs need.
/// </summary>
public static class MessageEvents
{
    public static IEnumerable<SseEvent> FromMessage(JsonObject message)
    {
        var content = message["content"] as JsonArray ?? [];
        var start = (JsonObject)message.DeepClone();
        start["content"] = new JsonArray();
        start["stop_reason"] = null;
        start["stop_sequence"] = null;
        yield return Event("message_start", new JsonObject { ["type"] = "message_start", ["message"] = start });

        for (var i = 0; i < content.Count; i++)
        {
            if (content[i] is not JsonObject block)
            {
                continue;
            }

            var type = (string?)block["type"];
            var shell = (JsonObject)block.DeepClone();
            JsonObject? delta = null;
            switch (type)
            {
                case "text":
                    shell["text"] = "";
                    delta = new JsonObject { ["type"] = "text_delta", ["text"] = (string?)block["text"] ?? "" };
                    break;
                case "tool_use" or "server_tool_use":
                    shell["input"] = new JsonObject();
                    delta = new JsonObject { ["type"] = "input_json_delta", ["partial_json"] = block["input"]?.ToJsonString() ?? "{}" };
                    break;
                case "thinking":
                    shell["thinking"] = "";
                    shell.Remove("signature");
                    delta = new JsonObject { ["type"] = "thinking_delta", ["thinking"] = (string?)block["thinking"] ?? "" };
                    break;
                default:
                    break; // other blocks arrive complete in their start event
            }

            yield return Event("content_block_start", new JsonObject { ["type"] = "content_block_start", ["index"] = i, ["content_block"] = shell });
            if (delta is not null)
            {
                yield return Event("content_block_delta", new JsonObject { ["type"] = "content_block_delta", ["index"] = i, ["delta"] = delta });
            }

            if (type == "thinking" && block["signature"] is JsonValue signature)
            {
                yield return Event("content_block_delta", new JsonObject
                {
                    ["type"] = "content_block_delta", ["index"] = i,
                    ["delta"] = new JsonObject { ["type"] = "signature_delta", ["signature"] = signature.DeepClone() },
                });
            }

            yield return Event("content_block_stop", new JsonObject { ["type"] = "content_block_stop", ["index"] = i });
        }

        yield return Event("message_delta", new JsonObject
        {
            ["type"] = "message_delta",
            ["delta"] = new JsonObject { ["stop_reason"] = message["stop_reason"]?.DeepClone() ?? "end_turn", ["stop_sequence"] = message["stop_sequence"]?.DeepClone() },
            ["usage"] = message["usage"]?.DeepClone() ?? new JsonObject { ["output_tokens"] = 0 },
        });
        yield return new SseEvent("message_stop", """{"type":"message_stop"}""");
    }

    private static SseEvent Event(string name, JsonObject data) => new(name, data.ToJsonString());
}
