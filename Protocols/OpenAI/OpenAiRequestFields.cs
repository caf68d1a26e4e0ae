using System.Text.Json.Nodes;
using OrProject.Protocols.Canonical;

namespace OrProject.Protocols.OpenAI;

/// <summary>Top-level canonical fields that Chat Completions and Responses requests share, written the same way.</summary>
internal static class OpenAiRequestFields
{
    public static int MaxTokens(JsonNode? value, string param, int fallback)
    {
        if (value is null)
        {
            return fallback;
        }

        return JsonNodes.TryLong(value, out var max) && max is > 0 and <= int.MaxValue
            ? (int)max
            : throw new RequestValidationException($"{param} must be a positive integer.", param);
    }

    public static JsonObject Tool(string? name, string? description, JsonNode? parameters, string param)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw new RequestValidationException("Every function tool needs a name.", param);
        }

        var schema = parameters as JsonObject is { } given ? given.DeepClone().AsObject() : [];
        // Anthropic requires input_schema.type; OpenAI lets "parameters" be absent or {} for argument-less functions.
        if (!schema.ContainsKey("type"))
        {
            schema.Insert(0, "type", "object");
            schema.TryAdd("properties", new JsonObject());
        }

        var tool = new JsonObject { ["name"] = name };
        if (!string.IsNullOrEmpty(description))
        {
            tool["description"] = description;
        }

        tool["input_schema"] = schema;
        return tool;
    }

    /// <summary>none/auto/required/{function} → none/auto/any/{tool}; forms Anthropic lacks give <c>null</c>.</summary>
    public static JsonObject? ToolChoice(JsonNode? choice) => JsonNodes.Str(choice) switch
    {
        "none" => new JsonObject { ["type"] = "none" },
        "auto" => new JsonObject { ["type"] = "auto" },
        "required" => new JsonObject { ["type"] = "any" },
        null when JsonNodes.Str(choice?["type"]) == "function" &&
                  (JsonNodes.Str(choice?["function"]?["name"]) ?? JsonNodes.Str(choice?["name"])) is { } name =>
            new JsonObject { ["type"] = "tool", ["name"] = name },
        null when JsonNodes.Str(choice?["type"]) == "allowed_tools" =>
            new JsonObject { ["type"] = JsonNodes.Str(choice?["mode"] ?? choice?["allowed_tools"]?["mode"]) == "required" ? "any" : "auto" },
        _ => null,
    };

    /// <summary>Tools and tool_choice; a choice without tools is dropped because Anthropic rejects it.</summary>
    public static void WriteTools(JsonObject canonical, JsonArray tools, JsonObject? choice, bool? parallelToolCalls)
    {
        if (tools.Count == 0)
        {
            return;
        }

        canonical["tools"] = tools;
        if (parallelToolCalls == false && (string?)choice?["type"] != "none")
        {
            choice ??= new JsonObject { ["type"] = "auto" };
            choice["disable_parallel_tool_use"] = true;
        }

        if (choice is not null)
        {
            canonical["tool_choice"] = choice;
        }
    }

    public static void WriteFormat(JsonObject canonical, SystemPrompt system, string? type, JsonNode? schema, string param)
    {
        switch (type)
        {
            case "json_schema" when schema is JsonObject:
                canonical["output_config"] = new JsonObject
                {
                    ["format"] = new JsonObject { ["type"] = "json_schema", ["schema"] = schema.DeepClone() },
                };
                break;
            case "json_schema":
                throw new RequestValidationException("A json_schema format needs a schema object.", param);
            case "json_object":
                system.Add(SystemPrompt.JsonObjectInstruction);
                break;
            default:
                break;
        }
    }

    /// <summary>
    /// temperature (OpenAI's 0–2 clamped into Anthropic's 0–1), top_p and thinking. Thinking is left out when a tool is
    /// forced (Anthropic rejects that pair), and when it is on, temperature/top_p are dropped for the same reason.
    /// </summary>
    public static void WriteSampling(JsonObject canonical, JsonNode? temperature, JsonNode? topP, string? effort)
    {
        var forced = (string?)canonical["tool_choice"]?["type"] is "any" or "tool";
        var thinking = forced ? null : ReasoningEffort.Thinking(effort, (int)canonical["max_tokens"]!);
        if (thinking is not null)
        {
            canonical["thinking"] = thinking;
            return;
        }

        if (JsonNodes.TryDouble(temperature, out var t))
        {
            canonical["temperature"] = Math.Clamp(t, 0, 1);
        }

        if (JsonNodes.TryDouble(topP, out var p))
        {
            canonical["top_p"] = p;
        }
    }

    public static void WriteUser(JsonObject canonical, string? user)
    {
        if (!string.IsNullOrEmpty(user))
        {
            canonical["metadata"] = new JsonObject { ["user_id"] = user };
        }
    }
}
