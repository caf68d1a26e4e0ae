using System.Text.Json.Nodes;
using OrProject.Protocols.Canonical;

namespace OrProject.Protocols.OpenAI.Upstream;

/// <summary>How to shape a Chat Completions request for one OpenAI-compatible upstream.</summary>
public sealed record OpenAiUpstreamOptions
{
    /// <summary>The upstream's model name; <c>null</c> keeps the canonical request's <c>model</c>.</summary>
    public string? Model { get; init; }

    /// <summary>Stream (with <c>stream_options.include_usage</c>) or ask for one JSON body.</summary>
    public bool Stream { get; init; } = true;

    /// <summary><c>max_completion_tokens</c> (OpenAI's current field) or the older <c>max_tokens</c> some servers still need.</summary>
    public bool UseMaxCompletionTokens { get; init; } = true;

    /// <summary>Map thinking to <c>reasoning_effort</c>; off for upstreams whose models reject the field.</summary>
    public bool SendReasoningEffort { get; init; } = true;
}

/// <summary>The upstream request body and the tool names it renamed, for mapping the answer back.</summary>
public sealed record OpenAiUpstreamRequestResult(JsonObject Body, ToolNameMap ToolNames);

/// <summary>Canonical (Anthropic Messages) request → OpenAI Chat Completions request for an upstream.</summary>
public static class OpenAiUpstreamRequest
{
    /// <summary>
    /// Translates <paramref name="anthropicRequest"/>. Dropped on the way: thinking blocks, <c>cache_control</c>,
    /// server tools and their blocks, <c>top_k</c>, temperature/top_p when <c>reasoning_effort</c> is sent, <c>metadata</c> (Claude Code's composite user id exceeds OpenAI's
    /// limits and is not the end user anyway) and Claude Code's <c>x-anthropic-billing-header</c> system block.
    /// </summary>
    public static OpenAiUpstreamRequestResult FromCanonical(JsonObject anthropicRequest, OpenAiUpstreamOptions? options = null)
    {
        options ??= new OpenAiUpstreamOptions();
        var names = new ToolNameMap();
        var body = new JsonObject
        {
            ["model"] = options.Model ?? JsonNodes.Str(anthropicRequest["model"]),
            ["messages"] = OpenAiUpstreamMessages.Build(anthropicRequest, names),
        };
        if (anthropicRequest["max_tokens"] is { } max)
        {
            body[options.UseMaxCompletionTokens ? "max_completion_tokens" : "max_tokens"] = max.DeepClone();
        }

        if (anthropicRequest["stop_sequences"] is JsonArray { Count: > 0 } stop)
        {
            // OpenAI takes at most four; keep the array an array even for one (new-api #7175 broke upstreams by collapsing it).
            body["stop"] = new JsonArray([.. stop.Take(4).Select(s => s?.DeepClone())]);
        }

        WriteTools(anthropicRequest, body, names);
        if (options.SendReasoningEffort && ReasoningEffort.FromCanonical(anthropicRequest) is { } effort)
        {
            body["reasoning_effort"] = effort;
        }
        else
        {
            // Reasoning models reject sampling parameters outright, so they only travel without reasoning_effort.
            foreach (var field in (ReadOnlySpan<string>)["temperature", "top_p"])
            {
                if (JsonNodes.TryDouble(anthropicRequest[field], out var value))
                {
                    body[field] = value;
                }
            }
        }

        if (anthropicRequest["output_config"]?["format"] is JsonObject format && JsonNodes.Str(format["type"]) == "json_schema")
        {
            body["response_format"] = new JsonObject
            {
                ["type"] = "json_schema",
                ["json_schema"] = new JsonObject { ["name"] = "response", ["schema"] = format["schema"]?.DeepClone() },
            };
        }

        body["stream"] = options.Stream;
        if (options.Stream)
        {
            body["stream_options"] = new JsonObject { ["include_usage"] = true };
        }

        return new OpenAiUpstreamRequestResult(body, names);
    }

    private static void WriteTools(JsonObject request, JsonObject body, ToolNameMap names)
    {
        var tools = new JsonArray();
        foreach (var tool in request["tools"] as JsonArray ?? [])
        {
            // Server tools (web_search_20250305, bash_20250124, …) only run on Anthropic: a schemaless function in their
            // place would "succeed" with empty results, so they are left out.
            if (JsonNodes.Str(tool?["type"]) is not (null or "custom") || JsonNodes.Str(tool?["name"]) is not { } name)
            {
                continue;
            }

            var function = new JsonObject { ["name"] = names.ToUpstream(name) };
            if (JsonNodes.Str(tool?["description"]) is { Length: > 0 } description)
            {
                function["description"] = description;
            }

            function["parameters"] = tool?["input_schema"]?.DeepClone() ?? new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() };
            tools.Add(new JsonObject { ["type"] = "function", ["function"] = function });
        }

        if (tools.Count == 0)
        {
            return;
        }

        body["tools"] = tools;
        var choice = request["tool_choice"];
        JsonNode? mapped = JsonNodes.Str(choice?["type"]) switch
        {
            "auto" => "auto",
            "any" => "required",
            "none" => "none",
            "tool" when JsonNodes.Str(choice?["name"]) is { } forced => new JsonObject
            {
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = names.ToUpstream(forced) },
            },
            _ => null,
        };
        if (mapped is not null)
        {
            body["tool_choice"] = mapped;
        }

        if (JsonNodes.Bool(choice?["disable_parallel_tool_use"]) == true)
        {
            body["parallel_tool_calls"] = false;
        }
    }
}
