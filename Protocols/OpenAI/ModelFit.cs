using System.Text.Json.Nodes;
using OrProject.Contracts.Pricing;
using OrProject.Protocols.Canonical;

namespace OrProject.Protocols.OpenAI;

/// <summary>
/// What an OpenAI-format request can only be given once its model is resolved (aliases and the default model are
/// applied after translation): the model's usual output limit when the client set none — OpenAI's APIs have no
/// required <c>max_tokens</c>, and a small fixed default cut answers short (the model table's limit, else the one
/// <see cref="ModelLimits"/> derives from the id) — thinking in the model's own form, and
/// cache breakpoints (after the admin's system prompt is in place, so it is cached with the rest).
/// </summary>
public static class ModelFit
{
    private static readonly string[] MaxTokenFields = ["max_completion_tokens", "max_tokens", "max_output_tokens"];

    public static void Apply(JsonObject canonical, JsonObject original, string model, int defaultMaxTokens)
    {
        if (!MaxTokenFields.Any(original.ContainsKey))
        {
            canonical["max_tokens"] = defaultMaxTokens;
        }

        var effort = JsonNodes.Str(original["reasoning_effort"]) ?? JsonNodes.Str((original["reasoning"] as JsonObject)?["effort"]);
        ReasoningEffort.Shape(canonical, model, effort);
        CacheBreakpoints.Mark(canonical);
    }
}
