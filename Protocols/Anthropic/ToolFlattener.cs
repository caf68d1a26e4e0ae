using System.Text;
using System.Text.Json.Nodes;

namespace OrProject.Protocols.Anthropic;

/// <summary>
/// Tool mode <c>flatten</c>, for upstreams without native tools: the tool definitions move into the system text,
/// and earlier <c>tool_use</c>/<c>tool_result</c> blocks become visible text (<c>[tool_call: name(args)]</c>,
/// <c>[tool_result: …]</c>), so the model still sees what it already called and what came back.
/// </summary>
public static class ToolFlattener
{
    public static void Flatten(JsonObject request)
    {
        if (request["tools"] is JsonArray { Count: > 0 } tools)
        {
            var text = new StringBuilder("You can use these tools. To call one, write exactly [tool_call: NAME({JSON arguments})] on its own line.\n");
            foreach (var tool in tools.OfType<JsonObject>())
            {
                text.Append("- ").Append((string?)tool["name"]).Append(": ").Append((string?)tool["description"] ?? "")
                    .Append(" Arguments schema: ").Append(tool["input_schema"]?.ToJsonString() ?? "{}").Append('\n');
            }

            var system = request["system"] switch
            {
                JsonArray blocks => blocks,
                JsonValue value when value.TryGetValue<string>(out var s) && s.Length > 0 => new JsonArray(new JsonObject { ["type"] = "text", ["text"] = s }),
                _ => [],
            };
            system.Add(new JsonObject { ["type"] = "text", ["text"] = text.ToString() });
            request["system"] = system.Parent is null ? system : system.DeepClone();
        }

        request.Remove("tools");
        request.Remove("tool_choice");
        if (request["messages"] is not JsonArray messages)
        {
            return;
        }

        foreach (var message in messages.OfType<JsonObject>())
        {
            if (message["content"] is JsonArray content)
            {
                message["content"] = new JsonArray([.. content.Select(Render)]);
            }
        }
    }

    private static JsonNode? Render(JsonNode? block) => (string?)block?["type"] switch
    {
        "tool_use" => Text($"[tool_call: {(string?)block!["name"]}({block["input"]?.ToJsonString() ?? "{}"})]"),
        "tool_result" => Text($"[{(block!["is_error"]?.GetValue<bool>() == true ? "tool_error" : "tool_result")}: {ResultText(block["content"])}]"),
        _ => block?.DeepClone(),
    };

    private static string ResultText(JsonNode? content) => content switch
    {
        JsonValue value when value.TryGetValue<string>(out var s) => s,
        JsonArray blocks => string.Join("\n", blocks.Select(b => (string?)b?["type"] == "text" ? (string?)b!["text"] : $"<{(string?)b?["type"]}>")),
        _ => "",
    };

    private static JsonObject Text(string text) => new() { ["type"] = "text", ["text"] = text };
}
