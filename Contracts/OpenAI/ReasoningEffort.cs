using System.Text.Json.Nodes;

namespace OrProject.Contracts.OpenAI;

/// <summary>OpenAI's <c>reasoning_effort</c> words and Anthropic's thinking budgets, both ways.</summary>
internal static class ReasoningEffort
{
    public const int MinimumBudget = 1024;

    public static int? Budget(string? effort) => effort switch
    {
        "minimal" => 1024,
        "low" => 4096,
        "medium" => 8192,
        "high" => 16384,
        "xhigh" => 32768,
        "max" => 65536,
        _ => null, // "none", absent, or a word newer than this code: no thinking
    };

    /// <summary>
    /// <c>{type:"enabled",budget_tokens}</c> with the budget clamped below <paramref name="maxTokens"/>;
    /// <c>null</c> when the effort asks for none or the clamped budget would fall under Anthropic's minimum.
    /// </summary>
    public static JsonObject? Thinking(string? effort, int maxTokens)
    {
        if (Budget(effort) is not { } bucket)
        {
            return null;
        }

        var budget = Math.Min(bucket, maxTokens - 1);
        return budget < MinimumBudget ? null : new JsonObject { ["type"] = "enabled", ["budget_tokens"] = budget };
    }

    /// <summary>
    /// The effort word for a canonical request's <c>thinking</c>/<c>output_config.effort</c>, or <c>null</c> when thinking is
    /// off. Only low/medium/high: most OpenAI-compatible upstreams reject the rest.
    /// </summary>
    public static string? FromCanonical(JsonObject request)
    {
        var thinking = request["thinking"] as JsonObject;
        var type = JsonHelp.Str(thinking?["type"]);
        var effort = JsonHelp.Str(request["output_config"]?["effort"]);
        if (type is "disabled" || (type is null && effort is null))
        {
            return null;
        }

        if (type is "enabled" && JsonHelp.TryLong(thinking?["budget_tokens"], out var budget))
        {
            return budget <= 4096 ? "low" : budget <= 8192 ? "medium" : "high";
        }

        return effort switch
        {
            "low" or "minimal" => "low",
            "xhigh" or "max" or "high" => "high",
            _ => "medium",
        };
    }
}
