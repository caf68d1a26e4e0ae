using System.Text.Json.Nodes;
using OrProject.Protocols.Canonical;

namespace OrProject.Protocols.OpenAI;

/// <summary>OpenAI's <c>reasoning_effort</c> words and Anthropic's thinking budgets, both ways.</summary>
public static class ReasoningEffort
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
    /// <c>{type:"enabled",budget_tokens}</c> with the budget at most half of <paramref name="maxTokens"/>, so thinking
    /// never leaves the answer without room (<c>max_tokens</c> counts both); <c>null</c> when the effort asks for none or
    /// that share would fall under Anthropic's minimum budget.
    /// </summary>
    public static JsonObject? Thinking(string? effort, int maxTokens)
    {
        if (Budget(effort) is not { } bucket)
        {
            return null;
        }

        var budget = Math.Min(bucket, maxTokens / 2);
        return budget < MinimumBudget ? null : new JsonObject { ["type"] = "enabled", ["budget_tokens"] = budget };
    }

    /// <summary>
    /// Once the model is known, puts an OpenAI-format request's thinking in the form that model takes: adaptive
    /// thinking with Anthropic's effort word for Claude 4.6 and later (which refuse or deprecate budgets), a budget of
    /// at most half of <c>max_tokens</c> for earlier models. Leaves a request without thinking alone (none was asked,
    /// or a forced tool choice ruled it out at translation).
    /// </summary>
    public static void Shape(JsonObject canonical, string model, string? effort)
    {
        if (canonical["thinking"] is null || Budget(effort) is null)
        {
            return;
        }

        canonical.Remove("thinking");
        var output = canonical["output_config"] as JsonObject;
        output?.Remove("effort");
        if (Contracts.Pricing.ModelLimits.ThinksAdaptively(model))
        {
            canonical["thinking"] = new JsonObject { ["type"] = "adaptive" };
            if (output is null)
            {
                output = [];
                canonical["output_config"] = output;
            }

            output["effort"] = effort switch
            {
                "minimal" or "low" => "low",
                "medium" => "medium",
                "xhigh" or "max" => Contracts.Pricing.ModelLimits.IsOpus(model) ? "max" : "high",
                _ => "high",
            };
            return;
        }

        if (output is { Count: 0 })
        {
            canonical.Remove("output_config");
        }

        if (Thinking(effort, JsonNodes.TryLong(canonical["max_tokens"], out var max) ? (int)Math.Min(max, int.MaxValue) : 0) is { } budgeted)
        {
            canonical["thinking"] = budgeted;
        }
    }

    /// <summary>
    /// The effort word for a canonical request's <c>thinking</c>/<c>output_config.effort</c>, or <c>null</c> when thinking is
    /// off. Only low/medium/high: most OpenAI-compatible upstreams reject the rest.
    /// </summary>
    public static string? FromCanonical(JsonObject request)
    {
        var thinking = request["thinking"] as JsonObject;
        var type = JsonNodes.Str(thinking?["type"]);
        var effort = JsonNodes.Str(request["output_config"]?["effort"]);
        if (type is "disabled" || (type is null && effort is null))
        {
            return null;
        }

        if (type is "enabled" && JsonNodes.TryLong(thinking?["budget_tokens"], out var budget))
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
