using OrProject.Protocols.Anthropic;

namespace OrProject.Protocols.OpenAI;

/// <summary>
/// OpenAI's <c>error.code</c> for an error the canonical (Anthropic) side names by type and message. Clients act on
/// codes, not messages: Codex and LiteLLM-based clients (Aider) compact or trim the conversation on
/// <c>context_length_exceeded</c>, and give up on anything else.
/// </summary>
public static class OpenAiErrorCodes
{
    public const string ContextLengthExceeded = "context_length_exceeded";

    /// <summary>
    /// Whether an upstream's invalid-request message says the conversation does not fit the model's context:
    /// Anthropic's "prompt is too long: 210000 tokens > 200000 maximum" and "input length and `max_tokens` exceed
    /// context limit", and OpenAI-compatible upstreams' "maximum context length".
    /// </summary>
    public static bool IsContextOverflow(string? type, string? message) =>
        type == AnthropicErrors.InvalidRequest && message is not null &&
        (message.Contains("prompt is too long", StringComparison.OrdinalIgnoreCase) ||
         message.Contains("exceed context limit", StringComparison.OrdinalIgnoreCase) ||
         message.Contains("context window", StringComparison.OrdinalIgnoreCase) ||
         message.Contains("maximum context length", StringComparison.OrdinalIgnoreCase) ||
         message.Contains("context_length_exceeded", StringComparison.OrdinalIgnoreCase));

    /// <summary>The code for a Chat Completions error body, before or during a stream.</summary>
    public static string? For(string type, string message) =>
        IsContextOverflow(type, message) ? ContextLengthExceeded
        : type switch
        {
            AnthropicErrors.Authentication => "invalid_api_key",
            AnthropicErrors.RateLimit => "rate_limit_exceeded",
            AnthropicErrors.NotFound => "not_found",
            AnthropicErrors.Overloaded => "overloaded",
            _ => null,
        };
}
