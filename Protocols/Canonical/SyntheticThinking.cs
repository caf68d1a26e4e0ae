using System.Text.Json.Nodes;

namespace OrProject.Protocols.Canonical;

/// <summary>
/// Thinking blocks the gateway makes from an OpenAI-compatible upstream's reasoning text. Claude Code drops thinking
/// without a signature, so they carry <see cref="Signature"/>; real Anthropic would reject it (<c>Invalid signature</c>),
/// so an Anthropic upstream adapter must call <see cref="StripFrom"/> on the request first.
/// </summary>
public static class SyntheticThinking
{
    public const string Signature = "orproject-synthetic-thinking-v1";

    public static bool IsSynthetic(JsonNode? block) =>
        JsonNodes.Str(block?["type"]) == "thinking" && JsonNodes.Str(block?["signature"]) == Signature;

    /// <summary>Removes synthetic thinking blocks (and turns left empty) from a canonical request in place; returns how many.</summary>
    public static int StripFrom(JsonObject canonicalRequest)
    {
        if (canonicalRequest["messages"] is not JsonArray messages)
        {
            return 0;
        }

        var removed = 0;
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            if (messages[i]?["content"] is not JsonArray content)
            {
                continue;
            }

            for (var j = content.Count - 1; j >= 0; j--)
            {
                if (IsSynthetic(content[j]))
                {
                    content.RemoveAt(j);
                    removed++;
                }
            }

            if (content.Count == 0)
            {
                messages.RemoveAt(i);
            }
        }

        return removed;
    }
}
