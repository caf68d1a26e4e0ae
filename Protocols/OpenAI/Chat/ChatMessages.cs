using System.Text.Json.Nodes;
using OrProject.Protocols.Canonical;

namespace OrProject.Protocols.OpenAI.Chat;

/// <summary>Chat <c>messages</c> → canonical system blocks and turns.</summary>
internal static class ChatMessages
{
    public static void Read(JsonNode? messages, SystemPrompt system, CanonicalTurns turns)
    {
        if (messages is not JsonArray list)
        {
            throw new RequestValidationException("messages must be an array.", "messages");
        }

        for (var i = 0; i < list.Count; i++)
        {
            var message = list[i] as JsonObject ?? throw new RequestValidationException("Each message must be an object.", $"messages[{i}]");
            var content = message["content"];
            var param = $"messages[{i}]";
            switch (JsonNodes.Str(message["role"]))
            {
                case "system" or "developer":
                    foreach (var text in Texts(content, $"{param}.content"))
                    {
                        system.Add(text);
                    }

                    break;
                case "user":
                    User(content, $"{param}.content", turns);
                    break;
                case "assistant":
                    Assistant(message, param, turns);
                    break;
                case "tool":
                    turns.AddToolResult(ToolResult(message, param));
                    break;
                default:
                    throw new RequestValidationException("Unsupported message role.", $"{param}.role");
            }
        }

        if (turns.IsEmpty)
        {
            throw new RequestValidationException("messages needs at least one user or assistant message.", "messages");
        }
    }

    private static void User(JsonNode? content, string param, CanonicalTurns turns)
    {
        foreach (var block in Blocks(content, param))
        {
            turns.Add("user", block);
        }
    }

    private static void Assistant(JsonObject message, string param, CanonicalTurns turns)
    {
        // Anthropic wants the thinking first in the turn, before its text and tool calls.
        foreach (var block in ChatThinking.Read(message, param))
        {
            turns.Add("assistant", block);
        }

        foreach (var text in Texts(message["content"], $"{param}.content"))
        {
            turns.AddText("assistant", text);
        }

        if (message["tool_calls"] is not JsonArray calls)
        {
            return;
        }

        for (var j = 0; j < calls.Count; j++)
        {
            var call = calls[j];
            var at = $"{param}.tool_calls[{j}]";
            var id = JsonNodes.Str(call?["id"]) ?? throw new RequestValidationException("A tool call needs an id.", $"{at}.id");
            var name = JsonNodes.Str(call?["function"]?["name"])
                ?? throw new RequestValidationException("A tool call needs a function name.", $"{at}.function.name");
            turns.Add("assistant", CanonicalBlocks.ToolUse(id, name, JsonNodes.Str(call?["function"]?["arguments"])));
        }
    }

    private static JsonObject ToolResult(JsonObject message, string param)
    {
        var id = JsonNodes.Str(message["tool_call_id"])
            ?? throw new RequestValidationException("A tool message needs a tool_call_id.", $"{param}.tool_call_id");
        var result = new JsonObject { ["type"] = "tool_result", ["tool_use_id"] = id };
        var content = message["content"];
        if (JsonNodes.Str(content) is { } text)
        {
            if (text.Length > 0)
            {
                result["content"] = text;
            }
        }
        else if (Blocks(content, $"{param}.content") is { Count: > 0 } blocks)
        {
            result["content"] = new JsonArray([.. blocks]);
        }

        return result;
    }

    /// <summary>Text of system/developer/assistant content: a string or text (and refusal) parts, empty ones skipped.</summary>
    private static IEnumerable<string> Texts(JsonNode? content, string param)
    {
        if (JsonNodes.Str(content) is { } text)
        {
            return text.Length > 0 ? [text] : [];
        }

        if (content is not JsonArray parts)
        {
            return content is null ? [] : throw new RequestValidationException("content must be a string or an array.", param);
        }

        var texts = new List<string>();
        for (var k = 0; k < parts.Count; k++)
        {
            var value = JsonNodes.Str(parts[k]?["type"]) switch
            {
                "text" => JsonNodes.Str(parts[k]?["text"]),
                "refusal" => JsonNodes.Str(parts[k]?["refusal"]),
                _ => throw new RequestValidationException("Only text parts are supported here.", $"{param}[{k}]"),
            };
            if (!string.IsNullOrEmpty(value))
            {
                texts.Add(value);
            }
        }

        return texts;
    }

    private static List<JsonObject> Blocks(JsonNode? content, string param)
    {
        if (JsonNodes.Str(content) is { } text)
        {
            return text.Length > 0 ? [new JsonObject { ["type"] = "text", ["text"] = text }] : [];
        }

        if (content is not JsonArray parts)
        {
            return content is null ? [] : throw new RequestValidationException("content must be a string or an array.", param);
        }

        var blocks = new List<JsonObject>();
        for (var k = 0; k < parts.Count; k++)
        {
            var part = parts[k];
            var at = $"{param}[{k}]";
            switch (JsonNodes.Str(part?["type"]))
            {
                case "text" when JsonNodes.Str(part?["text"]) is { Length: > 0 } partText:
                    blocks.Add(new JsonObject { ["type"] = "text", ["text"] = partText });
                    break;
                case "text":
                    break;
                case "image_url":
                    blocks.Add(CanonicalBlocks.Image(JsonNodes.Str(part?["image_url"]?["url"]) ?? JsonNodes.Str(part?["image_url"]), at));
                    break;
                case "file":
                    blocks.Add(CanonicalBlocks.Document(
                        JsonNodes.Str(part?["file"]?["file_data"]), JsonNodes.Str(part?["file"]?["file_id"]), at));
                    break;
                default:
                    throw new RequestValidationException("Unsupported content part type.", $"{at}.type");
            }
        }

        return blocks;
    }
}
