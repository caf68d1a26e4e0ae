using System.Text.Json.Nodes;

namespace OrProject.Protocols.Canonical;

/// <summary>
/// Anthropic's rule for thinking across a tool loop, applied to a canonical request. With thinking on, the final
/// assistant turn — a tool loop counts as one turn, from the last user message that is not only tool results — must
/// start with a thinking or redacted_thinking block, passed back exactly as the model gave it, signature included.
/// Clients on OpenAI's protocols often cannot send those blocks back, and Anthropic then refuses the whole request,
/// so the gateway gives up thinking for that one request instead. Protocol-neutral: any canonical request will do.
/// </summary>
public static class CanonicalThinking
{
    public static bool IsThinkingBlock(JsonNode? block) => JsonNodes.Str(block?["type"]) is "thinking" or "redacted_thinking";

    /// <summary><c>thinking.type</c> is <c>enabled</c> or <c>adaptive</c> (the two modes the rule applies to).</summary>
    public static bool IsEnabled(JsonObject canonical) => JsonNodes.Str(canonical["thinking"]?["type"]) is "enabled" or "adaptive";

    /// <summary>
    /// The index of the message that must start with a thinking block: the first assistant message of the final turn
    /// when that turn calls tools; <c>-1</c> when nothing is required (no tool loop is under way).
    /// </summary>
    public static int MessageNeedingThinking(JsonArray messages)
    {
        // The final turn begins after the last user message that carries no tool results: a message of tool results
        // continues the loop the assistant started, anything else from the user starts a new turn.
        var start = 0;
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            if (JsonNodes.Str(messages[i]?["role"]) == "user" && !Blocks(messages[i]).Any(b => JsonNodes.Str(b?["type"]) == "tool_result"))
            {
                start = i + 1;
                break;
            }
        }

        var first = -1;
        var callsTools = false;
        for (var i = start; i < messages.Count; i++)
        {
            if (JsonNodes.Str(messages[i]?["role"]) != "assistant")
            {
                continue;
            }

            if (first < 0)
            {
                first = i;
            }

            callsTools |= Blocks(messages[i]).Any(b => JsonNodes.Str(b?["type"]) == "tool_use");
        }

        return callsTools ? first : -1;
    }

    /// <summary>Thinking is on and the final tool loop's assistant turn does not start with a thinking block.</summary>
    public static bool HistoryLacksThinking(JsonObject canonical)
    {
        if (!IsEnabled(canonical) || canonical["messages"] is not JsonArray messages)
        {
            return false;
        }

        var index = MessageNeedingThinking(messages);
        return index >= 0 && !IsThinkingBlock(Blocks(messages[index]).FirstOrDefault());
    }

    /// <summary>
    /// Turns thinking off for this request when <see cref="HistoryLacksThinking"/>: removes <c>thinking</c>,
    /// <c>output_config.effort</c> and thinking-clearing context edits (which Anthropic accepts only with thinking on).
    /// Sampling the caller dropped because thinking was on (temperature, top_p) is the caller's to restore.
    /// Returns whether anything was removed.
    /// </summary>
    public static bool DropThinkingIfHistoryLacksIt(JsonObject canonical)
    {
        if (!HistoryLacksThinking(canonical))
        {
            return false;
        }

        canonical.Remove("thinking");
        if (canonical["output_config"] is JsonObject config)
        {
            config.Remove("effort");
            if (config.Count == 0)
            {
                canonical.Remove("output_config");
            }
        }

        if (canonical["context_management"] is JsonObject management && management["edits"] is JsonArray edits)
        {
            for (var i = edits.Count - 1; i >= 0; i--)
            {
                if (JsonNodes.Str(edits[i]?["type"])?.StartsWith("clear_thinking", StringComparison.Ordinal) == true)
                {
                    edits.RemoveAt(i);
                }
            }

            if (edits.Count == 0)
            {
                management.Remove("edits");
                if (management.Count == 0)
                {
                    canonical.Remove("context_management");
                }
            }
        }

        return true;
    }

    /// <summary>A message's content blocks; a string content is one text block.</summary>
    private static IEnumerable<JsonNode?> Blocks(JsonNode? message) => message?["content"] switch
    {
        JsonArray blocks => blocks,
        JsonValue => [new JsonObject { ["type"] = "text" }],
        _ => [],
    };
}
