using System.Text.Json.Nodes;
using OrProject.Contracts.Messaging;
using OrProject.Protocols.Canonical;

namespace OrProject.Protocols.OpenAI;

/// <summary>
/// Token usage across the two semantics: Anthropic's <c>input_tokens</c> is net of cache, OpenAI's
/// <c>prompt_tokens</c> includes it (<c>cached_tokens</c> is a subset).
/// </summary>
internal static class UsageMapping
{
    public static TokenUsage FromAnthropic(JsonNode? usage) => new(
        JsonNodes.Long(usage?["input_tokens"]),
        JsonNodes.Long(usage?["output_tokens"]),
        JsonNodes.Long(usage?["cache_creation_input_tokens"]),
        JsonNodes.Long(usage?["cache_read_input_tokens"]),
        JsonNodes.Long((usage?["cache_creation"] as JsonObject)?["ephemeral_1h_input_tokens"]),
        JsonNodes.Long((usage?["server_tool_use"] as JsonObject)?["web_search_requests"]));

    /// <summary>Cumulative merge: fields present in <paramref name="update"/> replace those in <paramref name="current"/>.</summary>
    public static TokenUsage Merge(TokenUsage current, JsonNode? update) => update is not JsonObject u ? current : new(
        JsonNodes.TryLong(u["input_tokens"], out var input) ? input : current.InputTokens,
        JsonNodes.TryLong(u["output_tokens"], out var output) ? output : current.OutputTokens,
        JsonNodes.TryLong(u["cache_creation_input_tokens"], out var creation) ? creation : current.CacheCreationInputTokens,
        JsonNodes.TryLong(u["cache_read_input_tokens"], out var read) ? read : current.CacheReadInputTokens,
        JsonNodes.TryLong((u["cache_creation"] as JsonObject)?["ephemeral_1h_input_tokens"], out var oneHour) ? oneHour : current.CacheCreation1hInputTokens,
        JsonNodes.TryLong((u["server_tool_use"] as JsonObject)?["web_search_requests"], out var searches) ? searches : current.WebSearchRequests);

    public static long PromptTokens(TokenUsage usage) =>
        usage.InputTokens + usage.CacheReadInputTokens + usage.CacheCreationInputTokens;

    public static JsonObject ToChatUsage(TokenUsage usage)
    {
        var prompt = PromptTokens(usage);
        var details = new JsonObject { ["cached_tokens"] = usage.CacheReadInputTokens };
        if (usage.CacheCreationInputTokens > 0)
        {
            details["cache_write_tokens"] = usage.CacheCreationInputTokens;
        }

        return new JsonObject
        {
            ["prompt_tokens"] = prompt,
            ["completion_tokens"] = usage.OutputTokens,
            ["total_tokens"] = prompt + usage.OutputTokens,
            ["prompt_tokens_details"] = details,
        };
    }

    public static JsonObject ToResponsesUsage(TokenUsage usage)
    {
        var input = PromptTokens(usage);
        return new JsonObject
        {
            ["input_tokens"] = input,
            ["input_tokens_details"] = new JsonObject { ["cached_tokens"] = usage.CacheReadInputTokens },
            ["output_tokens"] = usage.OutputTokens,
            ["output_tokens_details"] = new JsonObject { ["reasoning_tokens"] = 0 },
            ["total_tokens"] = input + usage.OutputTokens,
        };
    }

    /// <summary>An OpenAI <c>usage</c> object in Anthropic terms; <c>null</c> when there is none.</summary>
    public static TokenUsage? FromChat(JsonNode? usage)
    {
        if (usage is not JsonObject u)
        {
            return null;
        }

        var cached = JsonNodes.Long(u["prompt_tokens_details"]?["cached_tokens"]);
        var written = JsonNodes.Long(u["prompt_tokens_details"]?["cache_write_tokens"]);
        var input = Math.Max(0, JsonNodes.Long(u["prompt_tokens"]) - cached - written);
        return new TokenUsage(input, JsonNodes.Long(u["completion_tokens"]), written, cached);
    }

    public static JsonObject ToAnthropic(TokenUsage usage) => new()
    {
        ["input_tokens"] = usage.InputTokens,
        ["output_tokens"] = usage.OutputTokens,
        ["cache_creation_input_tokens"] = usage.CacheCreationInputTokens,
        ["cache_read_input_tokens"] = usage.CacheReadInputTokens,
    };
}
