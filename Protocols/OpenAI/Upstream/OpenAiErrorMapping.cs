using System.Text.Json.Nodes;
using OrProject.Protocols.Anthropic;
using OrProject.Protocols.Canonical;
namespace OrProject.Protocols.OpenAI.Upstream;

/// <summary>An OpenAI-style <c>error</c> object in Anthropic terms; the message is kept as the upstream wrote it.</summary>
internal static class OpenAiErrorMapping
{
    public static (string Type, string Message) ToAnthropic(JsonNode? error)
    {
        if (JsonNodes.Str(error) is { } bare)
        {
            return (AnthropicErrors.Api, bare);
        }

        var words = $"{JsonNodes.Str(error?["type"])} {JsonNodes.Str(error?["code"])}".ToLowerInvariant();
        var type = words switch
        {
            _ when words.Contains("rate_limit", StringComparison.Ordinal) || words.Contains("quota", StringComparison.Ordinal) => AnthropicErrors.RateLimit,
            _ when words.Contains("overload", StringComparison.Ordinal) || words.Contains("unavailable", StringComparison.Ordinal) => AnthropicErrors.Overloaded,
            _ when words.Contains("invalid_request", StringComparison.Ordinal) || words.Contains("context_length", StringComparison.Ordinal) => AnthropicErrors.InvalidRequest,
            _ => AnthropicErrors.Api,
        };
        return (type, JsonNodes.Str(error?["message"]) ?? "Upstream error.");
    }
}
