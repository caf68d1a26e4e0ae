using System.Text.Json.Nodes;
using OrProject.Contracts.Messaging;
using OrProject.Protocols.Canonical;

namespace OrProject.Protocols.OpenAI.Upstream;

/// <summary>A non-streaming OpenAI-compatible <c>chat.completion</c> → canonical (Anthropic) message.</summary>
public static class OpenAiUpstreamResponse
{
    /// <summary>
    /// Content is <c>[thinking?, text?, tool_use…]</c>: reasoning text becomes a thinking block signed with
    /// <see cref="SyntheticThinking.Signature"/>, whitespace-only text is dropped, arguments are parsed (invalid or empty
    /// → <c>{}</c>) and tool names mapped back. A "stop" finish after tool calls still reports <c>tool_use</c>.
    /// </summary>
    /// <param name="chatCompletion">The upstream body.</param>
    /// <param name="messageId">The canonical id (<c>msg_…</c>); upstream ids are not trusted to be unique.</param>
    /// <param name="toolNames">The renames made by <see cref="OpenAiUpstreamRequest"/>.</param>
    /// <param name="estimatedInputTokens">Used when the upstream reports no usage.</param>
    /// <param name="model">The model to report; <c>null</c> keeps the upstream's.</param>
    public static JsonObject ToCanonicalMessage(
        JsonObject chatCompletion, string messageId, ToolNameMap? toolNames = null, long estimatedInputTokens = 0, string? model = null)
    {
        var choice = (chatCompletion["choices"] as JsonArray)?.FirstOrDefault();
        var message = choice?["message"];
        var content = new JsonArray();
        if ((JsonNodes.Str(message?["reasoning_content"]) ?? JsonNodes.Str(message?["reasoning"])) is { Length: > 0 } reasoning)
        {
            content.Add(new JsonObject { ["type"] = "thinking", ["thinking"] = reasoning, ["signature"] = SyntheticThinking.Signature });
        }

        if (Text(message?["content"]) is { } text && !string.IsNullOrWhiteSpace(text))
        {
            content.Add(new JsonObject { ["type"] = "text", ["text"] = text });
        }

        var tools = 0;
        foreach (var call in message?["tool_calls"] as JsonArray ?? [])
        {
            var name = JsonNodes.Str(call?["function"]?["name"]) ?? "";
            content.Add(CanonicalBlocks.ToolUse(
                JsonNodes.Str(call?["id"]) is { Length: > 0 } id ? id : $"toolu_{messageId}_{tools}",
                toolNames?.ToOriginal(name) ?? name,
                JsonNodes.Str(call?["function"]?["arguments"])));
            tools++;
        }

        var stop = StopReasons.ToStopReason(JsonNodes.Str(choice?["finish_reason"]), calledTools: tools > 0);
        var usage = UsageMapping.FromChat(chatCompletion["usage"]) ?? new TokenUsage(estimatedInputTokens, 0, 0, 0);
        return new JsonObject
        {
            ["id"] = messageId,
            ["type"] = "message",
            ["role"] = "assistant",
            ["model"] = model ?? JsonNodes.Str(chatCompletion["model"]),
            ["content"] = content,
            ["stop_reason"] = stop,
            ["stop_sequence"] = null,
            ["usage"] = UsageMapping.ToAnthropic(usage),
        };
    }

    private static string? Text(JsonNode? content) => content is JsonArray parts
        ? string.Concat(parts.Select(p => JsonNodes.Str(p?["text"])))
        : JsonNodes.Str(content);
}
