using System.Text.Json.Nodes;
using OrProject.Contracts.OpenAI;

namespace OrProject.Contracts.Responses;

/// <summary>Responses <c>input</c> (a string or items) → canonical system blocks and turns.</summary>
internal static class ResponsesInput
{
    public static void Read(JsonNode? input, SystemPrompt system, CanonicalTurns turns)
    {
        if (JsonHelp.Str(input) is { } text)
        {
            turns.AddText("user", text);
        }
        else if (input is JsonArray items)
        {
            for (var i = 0; i < items.Count; i++)
            {
                Item(items[i], $"input[{i}]", system, turns);
            }
        }

        if (turns.IsEmpty)
        {
            throw new RequestValidationException("input needs at least one message or function call.", "input");
        }
    }

    private static void Item(JsonNode? item, string param, SystemPrompt system, CanonicalTurns turns)
    {
        var type = JsonHelp.Str(item?["type"]) ?? (item?["role"] is not null ? "message" : null);
        switch (type)
        {
            case "message":
                Message(item!, param, system, turns);
                break;
            case "function_call":
                var id = JsonHelp.Str(item?["call_id"]) ?? JsonHelp.Str(item?["id"])
                    ?? throw new RequestValidationException("A function_call needs a call_id.", $"{param}.call_id");
                var name = JsonHelp.Str(item?["name"])
                    ?? throw new RequestValidationException("A function_call needs a name.", $"{param}.name");
                turns.Add("assistant", CanonicalBlocks.ToolUse(id, name, JsonHelp.Str(item?["arguments"])));
                break;
            case "function_call_output":
                turns.AddToolResult(Output(item!, param));
                break;
            default:
                break; // reasoning, custom_tool_call(_output), local_shell_call(_output), web_search_call, item_reference, …
        }
    }

    private static void Message(JsonNode item, string param, SystemPrompt system, CanonicalTurns turns)
    {
        var role = JsonHelp.Str(item["role"]);
        var blocks = Blocks(item["content"], $"{param}.content");
        switch (role)
        {
            case "system" or "developer":
                foreach (var block in blocks)
                {
                    system.Add(JsonHelp.Str(block["text"]) ?? throw new RequestValidationException(
                        "System and developer messages take text only.", $"{param}.content"));
                }

                break;
            case "user" or "assistant":
                foreach (var block in blocks)
                {
                    turns.Add(role, block);
                }

                break;
            default:
                throw new RequestValidationException("Unsupported message role.", $"{param}.role");
        }
    }

    private static JsonObject Output(JsonNode item, string param)
    {
        var id = JsonHelp.Str(item["call_id"])
            ?? throw new RequestValidationException("A function_call_output needs a call_id.", $"{param}.call_id");
        var result = new JsonObject { ["type"] = "tool_result", ["tool_use_id"] = id };
        if (JsonHelp.Str(item["output"]) is { } text)
        {
            if (text.Length > 0)
            {
                result["content"] = text;
            }
        }
        else if (Blocks(item["output"], $"{param}.output") is { Count: > 0 } blocks)
        {
            result["content"] = new JsonArray([.. blocks]);
        }

        return result;
    }

    private static List<JsonObject> Blocks(JsonNode? content, string param)
    {
        if (JsonHelp.Str(content) is { } plain)
        {
            return plain.Length > 0 ? [Text(plain)] : [];
        }

        var blocks = new List<JsonObject>();
        var parts = content as JsonArray ?? [];
        for (var k = 0; k < parts.Count; k++)
        {
            var part = parts[k];
            var at = $"{param}[{k}]";
            switch (JsonHelp.Str(part?["type"]))
            {
                case "input_text" or "output_text" or "text":
                    if (JsonHelp.Str(part?["text"]) is { Length: > 0 } text)
                    {
                        blocks.Add(Text(text));
                    }

                    break;
                case "refusal":
                    if (JsonHelp.Str(part?["refusal"]) is { Length: > 0 } refusal)
                    {
                        blocks.Add(Text(refusal));
                    }

                    break;
                case "input_image" when JsonHelp.Str(part?["image_url"]) is null && JsonHelp.Str(part?["file_id"]) is not null:
                    throw new RequestValidationException("Uploaded images (file_id) are not supported; send image_url.", at);
                case "input_image":
                    blocks.Add(CanonicalBlocks.Image(JsonHelp.Str(part?["image_url"]), at));
                    break;
                case "input_file":
                    blocks.Add(CanonicalBlocks.Document(JsonHelp.Str(part?["file_data"]), JsonHelp.Str(part?["file_id"]), at));
                    break;
                default:
                    throw new RequestValidationException("Unsupported content part type.", $"{at}.type");
            }
        }

        return blocks;
    }

    private static JsonObject Text(string text) => new() { ["type"] = "text", ["text"] = text };
}
