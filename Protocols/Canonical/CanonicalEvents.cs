using System.Text.Json.Nodes;
using OrProject.Protocols.Anthropic;
using OrProject.Contracts.Messaging;
using OrProject.Protocols.OpenAI;

namespace OrProject.Protocols.Canonical;

/// <summary>Canonical (Anthropic grammar) stream events, each with the <c>type</c> its event name repeats.</summary>
internal static class CanonicalEvents
{
    public static SseEvent MessageStart(string id, string model, TokenUsage usage) => Event("message_start", new JsonObject
    {
        ["message"] = new JsonObject
        {
            ["id"] = id,
            ["type"] = "message",
            ["role"] = "assistant",
            ["model"] = model,
            ["content"] = new JsonArray(),
            ["stop_reason"] = null,
            ["stop_sequence"] = null,
            ["usage"] = UsageMapping.ToAnthropic(usage),
        },
    });

    public static SseEvent BlockStart(int index, JsonObject block) =>
        Event("content_block_start", new JsonObject { ["index"] = index, ["content_block"] = block });

    public static SseEvent Delta(int index, string type, string field, string value) => Event("content_block_delta", new JsonObject
    {
        ["index"] = index,
        ["delta"] = new JsonObject { ["type"] = type, [field] = value },
    });

    public static SseEvent BlockStop(int index) => Event("content_block_stop", new JsonObject { ["index"] = index });

    public static SseEvent MessageDelta(string stopReason, TokenUsage usage) => Event("message_delta", new JsonObject
    {
        ["delta"] = new JsonObject { ["stop_reason"] = stopReason, ["stop_sequence"] = null },
        ["usage"] = UsageMapping.ToAnthropic(usage),
    });

    public static SseEvent MessageStop() => Event("message_stop", []);

    public static SseEvent Error(string type, string message) => Event("error", new JsonObject
    {
        ["error"] = new JsonObject { ["type"] = type, ["message"] = message },
    });

    /// <summary>
    /// An <c>error</c> event's type and message, for translating it into another protocol's error: unknown parts (or
    /// data that is not JSON) read as an <c>api_error</c> with a generic message, never as an exception mid-stream.
    /// </summary>
    public static (string Type, string Message) ReadError(string data)
    {
        var error = JsonNodes.ParseObject(data)?["error"];
        return (JsonNodes.Str(error?["type"]) ?? AnthropicErrors.Api, JsonNodes.Str(error?["message"]) ?? "Upstream error.");
    }

    private static SseEvent Event(string name, JsonObject data)
    {
        data.Insert(0, "type", name);
        return new SseEvent(name, JsonNodes.Write(data));
    }
}
