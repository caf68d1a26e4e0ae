using System.Text.Json.Nodes;
using OrProject.Contracts.Messaging;
using OrProject.Protocols.Anthropic;
using OrProject.Protocols.Canonical;
namespace OrProject.Protocols.OpenAI.Responses;

/// <summary>The Responses <c>response</c> object and its output items.</summary>
internal static class ResponseObject
{
    public static JsonObject Build(ResponsesContext context, string status, JsonArray output, TokenUsage? usage,
        JsonObject? error = null, JsonObject? incompleteDetails = null)
    {
        var request = context.Request;
        return new JsonObject
        {
            ["id"] = context.ResponseId,
            ["object"] = "response",
            ["created_at"] = context.CreatedAt,
            ["status"] = status,
            ["error"] = error,
            ["incomplete_details"] = incompleteDetails,
            ["instructions"] = request?["instructions"]?.DeepClone(),
            ["model"] = context.Model,
            ["output"] = output,
            ["parallel_tool_calls"] = request?["parallel_tool_calls"]?.DeepClone() ?? true,
            ["tool_choice"] = request?["tool_choice"]?.DeepClone() ?? "auto",
            ["tools"] = request?["tools"]?.DeepClone() ?? new JsonArray(),
            ["temperature"] = request?["temperature"]?.DeepClone(),
            ["top_p"] = request?["top_p"]?.DeepClone(),
            ["max_output_tokens"] = request?["max_output_tokens"]?.DeepClone(),
            ["previous_response_id"] = null,
            ["reasoning"] = request?["reasoning"]?.DeepClone() ?? new JsonObject { ["effort"] = null, ["summary"] = null },
            ["text"] = request?["text"]?.DeepClone() ?? new JsonObject { ["format"] = new JsonObject { ["type"] = "text" } },
            ["truncation"] = request?["truncation"]?.DeepClone() ?? "disabled",
            ["usage"] = usage is null ? null : UsageMapping.ToResponsesUsage(usage),
            ["metadata"] = request?["metadata"]?.DeepClone() ?? new JsonObject(),
            ["user"] = request?["user"]?.DeepClone(),
            ["store"] = false, // nothing is kept server-side, whatever the client asked
        };
    }

    /// <summary>
    /// Status and incomplete_details for a stop reason: a max-tokens stop is <c>incomplete</c> with reason
    /// <c>max_output_tokens</c>, a refusal <c>incomplete</c> with <c>content_filter</c>, the rest <c>completed</c>.
    /// </summary>
    public static (string Status, JsonObject? Details) Outcome(string? stopReason) => stopReason switch
    {
        "max_tokens" or "model_context_window_exceeded" => ("incomplete", new JsonObject { ["reason"] = "max_output_tokens" }),
        "refusal" => ("incomplete", new JsonObject { ["reason"] = "content_filter" }),
        _ => ("completed", null),
    };

    /// <summary>A canonical error as a Responses <c>error</c>, with the codes Codex acts on; the message is unchanged.</summary>
    public static JsonObject Error(string? type, string message)
    {
        var code = type switch
        {
            AnthropicErrors.RateLimit => "rate_limit_exceeded",
            _ when OpenAiErrorCodes.IsContextOverflow(type, message) => OpenAiErrorCodes.ContextLengthExceeded,
            AnthropicErrors.InvalidRequest => "invalid_prompt",
            _ => "server_error",
        };
        return new JsonObject { ["code"] = code, ["message"] = message };
    }

    public static string ItemId(ResponsesContext context, string prefix, int outputIndex)
    {
        var stem = context.ResponseId.StartsWith("resp_", StringComparison.Ordinal) ? context.ResponseId[5..] : context.ResponseId;
        return $"{prefix}_{stem}_{outputIndex}";
    }

    public static JsonObject TextPart(string text) =>
        new() { ["type"] = "output_text", ["text"] = text, ["annotations"] = new JsonArray() };

    public static JsonObject Message(string id, string status, string? text) => new()
    {
        ["id"] = id,
        ["type"] = "message",
        ["status"] = status,
        ["role"] = "assistant",
        ["content"] = text is null ? new JsonArray() : new JsonArray(TextPart(text)),
    };

    public static JsonObject FunctionCall(string id, string status, string callId, string name, string arguments) => new()
    {
        ["id"] = id,
        ["type"] = "function_call",
        ["status"] = status,
        ["call_id"] = callId,
        ["name"] = name,
        ["arguments"] = arguments,
    };

    public static JsonObject FunctionCall(string id, string status, string callId, ToolOrigin origin, string arguments)
    {
        var item = FunctionCall(id, status, callId, origin.Name, arguments);
        if (origin.Namespace is { } ns)
        {
            item["namespace"] = ns;
        }

        return item;
    }

    public static JsonObject CustomToolCall(string id, string status, string callId, ToolOrigin origin, string input)
    {
        var item = new JsonObject
        {
            ["id"] = id,
            ["type"] = "custom_tool_call",
            ["status"] = status,
            ["call_id"] = callId,
            ["name"] = origin.Name,
            ["input"] = input,
        };
        if (origin.Namespace is { } ns)
        {
            item["namespace"] = ns;
        }

        return item;
    }

    public static JsonObject LocalShellCall(string id, string status, string callId, JsonObject? input)
    {
        var action = new JsonObject { ["type"] = "exec", ["command"] = input?["command"]?.DeepClone() ?? new JsonArray() };
        foreach (var field in (ReadOnlySpan<string>)["working_directory", "timeout_ms"])
        {
            if (input?[field] is JsonValue value)
            {
                action[field] = value.DeepClone();
            }
        }

        return new JsonObject { ["id"] = id, ["type"] = "local_shell_call", ["status"] = status, ["call_id"] = callId, ["action"] = action };
    }

    public static JsonObject WebSearchCall(string id, string status, string? query)
    {
        var action = new JsonObject { ["type"] = "search" };
        if (query is not null)
        {
            action["query"] = query;
        }

        return new JsonObject { ["id"] = id, ["type"] = "web_search_call", ["status"] = status, ["action"] = action };
    }

    /// <summary>Item-id prefix for a tool call of <paramref name="kind"/>.</summary>
    public static string CallPrefix(ToolKind kind) => kind switch
    {
        ToolKind.Custom => "ctc",
        ToolKind.LocalShell => "lsh",
        _ => "fc",
    };

    /// <summary>
    /// A tool_use as the item the client declared the tool for: <c>function_call</c> (with its <c>namespace</c> for a
    /// namespace member), <c>custom_tool_call</c> with the raw text, or <c>local_shell_call</c>.
    /// </summary>
    public static JsonObject ToolCall(string id, string status, string callId, ToolOrigin origin, JsonObject? input) => origin.Kind switch
    {
        ToolKind.Custom => CustomToolCall(id, status, callId, origin, CustomText(input)),
        ToolKind.LocalShell => LocalShellCall(id, status, callId, input),
        _ => FunctionCall(id, status, callId, origin, JsonNodes.Write(input ?? [])),
    };

    /// <summary>
    /// A custom tool's raw text from the canonical input. A model that ignored the schema and used another single
    /// string property still meant it as the text; anything else is passed on as its JSON for the tool to reject.
    /// </summary>
    public static string CustomText(JsonObject? input)
    {
        if (JsonNodes.Str(input?[ResponsesTools.CustomInput]) is { } text)
        {
            return text;
        }

        return input is { Count: 1 } && JsonNodes.Str(input.First().Value) is { } only ? only : JsonNodes.Write(input ?? []);
    }

    /// <summary>Whether the client asked for reasoning summaries (<c>reasoning.summary</c> other than <c>none</c>).</summary>
    public static bool WantsSummary(ResponsesContext context) =>
        (JsonNodes.Str(context.Request?["reasoning"]?["summary"]) ?? JsonNodes.Str(context.Request?["reasoning"]?["generate_summary"])) is { } summary &&
        summary != "none";

    /// <summary>Whether the client listed <c>reasoning.encrypted_content</c> in <c>include</c>.</summary>
    public static bool WantsEncryptedReasoning(ResponsesContext context) =>
        context.Request?["include"] is JsonArray include && include.Any(entry => JsonNodes.Str(entry) == "reasoning.encrypted_content");

    /// <summary>
    /// A reasoning item for one thinking block: its text as the summary when summaries were asked for, and the block
    /// itself as <c>encrypted_content</c> when that was (see <see cref="ReasoningContent"/>).
    /// </summary>
    public static JsonObject Reasoning(ResponsesContext context, string id, JsonNode? block)
    {
        var summary = new JsonArray();
        if (WantsSummary(context) && JsonNodes.Str(block?["thinking"]) is { Length: > 0 } text)
        {
            summary.Add(SummaryPart(text));
        }

        var item = new JsonObject { ["id"] = id, ["type"] = "reasoning", ["summary"] = summary };
        if (block is not null && WantsEncryptedReasoning(context))
        {
            item["encrypted_content"] = ReasoningContent.Encode(block);
        }

        return item;
    }

    public static JsonObject SummaryPart(string text) => new() { ["type"] = "summary_text", ["text"] = text };
}
