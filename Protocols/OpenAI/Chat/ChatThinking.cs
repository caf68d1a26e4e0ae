using System.Text.Json.Nodes;
using OrProject.Protocols.Canonical;

namespace OrProject.Protocols.OpenAI.Chat;

/// <summary>
/// Signed thinking on the Chat Completions wire, which OpenAI's protocol has no field for. Two de-facto extensions
/// exist: <c>thinking_blocks</c> (LiteLLM: Anthropic's own block shapes, which the gateway also sends) and
/// <c>reasoning_details</c> (OpenRouter). Only blocks Anthropic can verify are kept: a thinking block needs its
/// signature, a redacted one its data. Reasoning text without a signature (<c>reasoning_content</c>) cannot be
/// turned back into a thinking block, so it is ignored.
/// </summary>
internal static class ChatThinking
{
    /// <summary>OpenRouter's tag for reasoning that came from Anthropic; other formats are other providers' secrets.</summary>
    private const string AnthropicFormat = "anthropic-claude-v1";

    /// <summary>
    /// The canonical thinking blocks an assistant message carries, in order; <c>thinking_blocks</c> wins when both
    /// extensions are present, as it is the exact shape and the other a translation of it.
    /// </summary>
    public static List<JsonObject> Read(JsonObject message, string param)
    {
        if (message["thinking_blocks"] is { } blocks)
        {
            return ThinkingBlocks(blocks, $"{param}.thinking_blocks");
        }

        return message["reasoning_details"] is { } details ? ReasoningDetails(details, $"{param}.reasoning_details") : [];
    }

    private static List<JsonObject> ThinkingBlocks(JsonNode blocks, string param)
    {
        var kept = new List<JsonObject>();
        foreach (var (block, at) in Items(blocks, param))
        {
            switch (JsonNodes.Str(block["type"]))
            {
                case "thinking" when Field(block, "signature", at) is { Length: > 0 } signature:
                    kept.Add(Thinking(Field(block, "thinking", at) ?? "", signature));
                    break;
                case "redacted_thinking" when Field(block, "data", at) is { Length: > 0 } data:
                    kept.Add(Redacted(data));
                    break;
                default:
                    break; // unsigned, empty or of a kind Anthropic does not know: it could not be verified
            }
        }

        return kept;
    }

    private static List<JsonObject> ReasoningDetails(JsonNode details, string param)
    {
        var kept = new List<JsonObject>();
        foreach (var (detail, at) in Items(details, param))
        {
            if (Field(detail, "format", at) is { } format && format != AnthropicFormat)
            {
                continue;
            }

            switch (JsonNodes.Str(detail["type"]))
            {
                case "reasoning.text" when Field(detail, "signature", at) is { Length: > 0 } signature:
                    kept.Add(Thinking(Field(detail, "text", at) ?? "", signature));
                    break;
                case "reasoning.encrypted" when Field(detail, "data", at) is { Length: > 0 } data:
                    kept.Add(Redacted(data));
                    break;
                default:
                    break; // summaries and unsigned text carry nothing Anthropic can verify
            }
        }

        return kept;
    }

    private static IEnumerable<(JsonObject Item, string Param)> Items(JsonNode list, string param)
    {
        if (list is not JsonArray array)
        {
            throw new RequestValidationException("Must be an array.", param);
        }

        for (var i = 0; i < array.Count; i++)
        {
            var at = $"{param}[{i}]";
            yield return (array[i] as JsonObject ?? throw new RequestValidationException("Each item must be an object.", at), at);
        }
    }

    /// <summary>A string field, absent or null as <c>null</c>; any other kind is the client's mistake.</summary>
    private static string? Field(JsonObject item, string name, string param) => item[name] switch
    {
        null => null,
        var node when JsonNodes.Str(node) is { } text => text,
        _ => throw new RequestValidationException($"{name} must be a string.", $"{param}.{name}"),
    };

    private static JsonObject Thinking(string thinking, string signature) =>
        new() { ["type"] = "thinking", ["thinking"] = thinking, ["signature"] = signature };

    private static JsonObject Redacted(string data) => new() { ["type"] = "redacted_thinking", ["data"] = data };
}
