using System.Text.Json.Nodes;
using OrProject.Protocols.Canonical;
namespace OrProject.Protocols.OpenAI.Responses;

/// <summary>
/// Responses <c>input</c> (a string or items) → canonical system blocks and turns. Tool calls of every kind the
/// gateway emits come back as tool_use blocks under their canonical names, their outputs as tool_result blocks, and
/// a reasoning item this gateway made becomes its thinking block again, in the assistant turn that follows it.
/// </summary>
internal sealed class ResponsesInput(SystemPrompt system, CanonicalTurns turns, ResponsesTools tools)
{
    // Thinking blocks read from reasoning items, waiting for the assistant content they preceded.
    private readonly List<JsonObject> _thinking = [];

    public static void Read(JsonNode? input, SystemPrompt system, CanonicalTurns turns, ResponsesTools tools)
    {
        if (JsonNodes.Str(input) is { } text)
        {
            turns.AddText("user", text);
        }
        else if (input is JsonArray items)
        {
            var reader = new ResponsesInput(system, turns, tools);
            for (var i = 0; i < items.Count; i++)
            {
                reader.Item(items[i], $"input[{i}]");
            }
        }

        if (turns.IsEmpty)
        {
            throw new RequestValidationException("input needs at least one message or function call.", "input");
        }
    }

    private void Item(JsonNode? item, string param)
    {
        if (item is not JsonObject)
        {
            throw new RequestValidationException("Every input item must be an object.", param);
        }

        var type = JsonNodes.Str(item?["type"]) ?? (item?["role"] is not null ? "message" : null);
        switch (type)
        {
            case "message":
                Message(item!, param);
                break;
            case "reasoning":
                // Only this gateway's items can be replayed (see ReasoningContent); a summary alone cannot, and
                // Anthropic takes history without thinking (the request translator drops thinking when it must).
                if (ReasoningContent.Decode(JsonNodes.Str(item?["encrypted_content"])) is { } block)
                {
                    _thinking.Add(block);
                }

                break;
            case "function_call":
                var name = Required(item, "name", "A function_call needs a name.", param);
                Assistant(CanonicalBlocks.ToolUse(
                    CallId(item!, "function_call", param), tools.CanonicalName(JsonNodes.Str(item?["namespace"]), name), JsonNodes.Str(item?["arguments"])));
                break;
            case "custom_tool_call":
                var custom = Required(item, "name", "A custom_tool_call needs a name.", param);
                Assistant(new JsonObject
                {
                    ["type"] = "tool_use",
                    ["id"] = CallId(item!, "custom_tool_call", param),
                    ["name"] = tools.CanonicalName(JsonNodes.Str(item?["namespace"]), custom),
                    ["input"] = new JsonObject { [ResponsesTools.CustomInput] = JsonNodes.Str(item?["input"]) ?? "" },
                });
                break;
            case "local_shell_call":
                Assistant(new JsonObject
                {
                    ["type"] = "tool_use",
                    ["id"] = CallId(item!, "local_shell_call", param),
                    ["name"] = ResponsesTools.LocalShellName,
                    ["input"] = LocalShellInput(item?["action"]),
                });
                break;
            case "function_call_output" or "custom_tool_call_output" or "local_shell_call_output":
                User();
                turns.AddToolResult(Output(item!, type, param));
                break;
            default:
                // web_search_call: the search ran upstream and cannot be replayed (its results are not in the item),
                // and the answer built on it is in the message that follows. item_reference, tool_search_*, … have
                // nothing Anthropic could take.
                break;
        }
    }

    /// <summary>Assistant content: the thinking that preceded it goes first, as Anthropic requires.</summary>
    private void Assistant(JsonObject block)
    {
        foreach (var thinking in _thinking)
        {
            turns.Add("assistant", thinking);
        }

        _thinking.Clear();
        turns.Add("assistant", block);
    }

    /// <summary>User content ends an assistant turn: reasoning that no assistant content followed has nothing to precede.</summary>
    private void User() => _thinking.Clear();

    private static string Required(JsonNode? item, string field, string message, string param) =>
        JsonNodes.Str(item?[field]) is { Length: > 0 } value ? value : throw new RequestValidationException(message, $"{param}.{field}");

    private static string CallId(JsonNode item, string type, string param) =>
        JsonNodes.Str(item["call_id"]) ?? JsonNodes.Str(item["id"])
        ?? throw new RequestValidationException($"A {type} needs a call_id.", $"{param}.call_id");

    private static JsonObject LocalShellInput(JsonNode? action)
    {
        var input = new JsonObject { ["command"] = action?["command"]?.DeepClone() ?? new JsonArray() };
        foreach (var field in (ReadOnlySpan<string>)["working_directory", "timeout_ms"])
        {
            if (action?[field] is JsonValue value)
            {
                input[field] = value.DeepClone();
            }
        }

        return input;
    }

    private void Message(JsonNode item, string param)
    {
        var role = JsonNodes.Str(item["role"]);
        var blocks = Blocks(item["content"], $"{param}.content");
        switch (role)
        {
            case "system" or "developer":
                foreach (var block in blocks)
                {
                    system.Add(JsonNodes.Str(block["text"]) ?? throw new RequestValidationException(
                        "System and developer messages take text only.", $"{param}.content"));
                }

                break;
            case "assistant":
                foreach (var block in blocks)
                {
                    Assistant(block);
                }

                break;
            case "user":
                User();
                foreach (var block in blocks)
                {
                    turns.Add(role, block);
                }

                break;
            default:
                throw new RequestValidationException("Unsupported message role.", $"{param}.role");
        }
    }

    private static JsonObject Output(JsonNode item, string type, string param)
    {
        var id = JsonNodes.Str(item["call_id"])
            ?? throw new RequestValidationException($"A {type} needs a call_id.", $"{param}.call_id");
        var result = new JsonObject { ["type"] = "tool_result", ["tool_use_id"] = id };
        if (JsonNodes.Str(item["output"]) is { } text)
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
        if (JsonNodes.Str(content) is { } plain)
        {
            return plain.Length > 0 ? [Text(plain)] : [];
        }

        var blocks = new List<JsonObject>();
        var parts = content as JsonArray ?? [];
        for (var k = 0; k < parts.Count; k++)
        {
            var part = parts[k];
            var at = $"{param}[{k}]";
            switch (JsonNodes.Str(part?["type"]))
            {
                case "input_text" or "output_text" or "text":
                    if (JsonNodes.Str(part?["text"]) is { Length: > 0 } text)
                    {
                        blocks.Add(Text(text));
                    }

                    break;
                case "refusal":
                    if (JsonNodes.Str(part?["refusal"]) is { Length: > 0 } refusal)
                    {
                        blocks.Add(Text(refusal));
                    }

                    break;
                case "input_image" when JsonNodes.Str(part?["image_url"]) is null && JsonNodes.Str(part?["file_id"]) is not null:
                    throw new RequestValidationException("Uploaded images (file_id) are not supported; send image_url.", at);
                case "input_image":
                    blocks.Add(CanonicalBlocks.Image(JsonNodes.Str(part?["image_url"]), at));
                    break;
                case "input_file":
                    blocks.Add(CanonicalBlocks.Document(JsonNodes.Str(part?["file_data"]), JsonNodes.Str(part?["file_id"]), at));
                    break;
                default:
                    throw new RequestValidationException("Unsupported content part type.", $"{at}.type");
            }
        }

        return blocks;
    }

    private static JsonObject Text(string text) => new() { ["type"] = "text", ["text"] = text };
}
