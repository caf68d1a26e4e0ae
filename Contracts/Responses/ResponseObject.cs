using System.Text.Json.Nodes;
using OrProject.Contracts.Anthropic;
using OrProject.Contracts.Messaging;
using OrProject.Contracts.OpenAI;

namespace OrProject.Contracts.Responses;

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
}
