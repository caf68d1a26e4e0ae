using System.Text.Json.Nodes;

namespace OrProject.Protocols.Canonical;

/// <summary>
/// Prompt caching for OpenAI-format clients, which cannot mark cache breakpoints themselves: Anthropic caches a prefix
/// only up to a block marked <c>cache_control</c>, so without marks every turn of a long agent session pays the full
/// input price. The marks go where Anthropic recommends — the last tool, the last system block, and the last block of
/// the last two user turns (the newer one writes this turn's prefix, the older one reads the previous turn's) — four
/// in all, Anthropic's limit, fewer when the request already carries some. Blocks that cannot carry a mark (thinking,
/// empty text) are passed over. An upstream that does not cache (OpenAI-compatible accounts) never sees the marks.
/// </summary>
public static class CacheBreakpoints
{
    private const int Limit = 4;

    public static void Mark(JsonObject canonical)
    {
        var budget = Limit - Count(canonical);
        if (budget <= 0)
        {
            return;
        }

        if (canonical["tools"] is JsonArray { Count: > 0 } tools && tools[^1] is JsonObject lastTool && !lastTool.ContainsKey("cache_control"))
        {
            lastTool["cache_control"] = Ephemeral();
            budget--;
        }

        if (budget > 0 && canonical["system"] is { } system && MarkLast(canonical, "system", system))
        {
            budget--;
        }

        if (canonical["messages"] is not JsonArray messages)
        {
            return;
        }

        var marked = 0;
        for (var i = messages.Count - 1; i >= 0 && budget > 0 && marked < 2; i--)
        {
            if (messages[i] is JsonObject message && (string?)message["role"] == "user" && message["content"] is { } content &&
                MarkLast(message, "content", content))
            {
                budget--;
                marked++;
            }
        }
    }

    /// <summary>Marks the last block that can carry a mark; a plain string becomes one text block.</summary>
    private static bool MarkLast(JsonObject owner, string property, JsonNode content)
    {
        if (content is JsonValue value && value.TryGetValue<string>(out var text))
        {
            if (text.Length == 0)
            {
                return false;
            }

            owner[property] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = text, ["cache_control"] = Ephemeral() });
            return true;
        }

        if (content is not JsonArray blocks)
        {
            return false;
        }

        for (var i = blocks.Count - 1; i >= 0; i--)
        {
            if (blocks[i] is not JsonObject block)
            {
                continue;
            }

            if (block.ContainsKey("cache_control"))
            {
                return false; // already marked here
            }

            var type = (string?)block["type"];
            if (type is "thinking" or "redacted_thinking" || (type == "text" && string.IsNullOrEmpty((string?)block["text"])))
            {
                continue;
            }

            block["cache_control"] = Ephemeral();
            return true;
        }

        return false;
    }

    private static int Count(JsonObject canonical) =>
        ((canonical["tools"] as JsonArray)?.Count(t => t is JsonObject tool && tool.ContainsKey("cache_control")) ?? 0)
        + Blocks(canonical["system"]).Count(b => b.ContainsKey("cache_control"))
        + ((canonical["messages"] as JsonArray)?.Sum(m => Blocks(m?["content"]).Count(b => b.ContainsKey("cache_control"))) ?? 0);

    private static IEnumerable<JsonObject> Blocks(JsonNode? content) => content as JsonArray is { } blocks ? blocks.OfType<JsonObject>() : [];

    private static JsonObject Ephemeral() => new() { ["type"] = "ephemeral" };
}
