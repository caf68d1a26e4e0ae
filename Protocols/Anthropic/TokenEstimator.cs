using System.Text.Json.Nodes;

namespace OrProject.Protocols.Anthropic;

/// <summary>
/// The local estimate behind <c>count_tokens</c> when no upstream counts for us: about four characters a token
/// over everything the model reads — system, every message block (text, tool inputs and results, documents) and the
/// tool definitions — plus a few tokens of framing per message, and a flat 1,600 tokens per image (Anthropic's cost
/// of a ~1.15-megapixel image; the true figure needs the pixels). Counting text alone undercounts badly.
/// </summary>
public static class TokenEstimator
{
    private const int CharsPerToken = 4;
    private const int TokensPerMessage = 4;
    private const int TokensPerImage = 1600;

    public static long Estimate(JsonObject request)
    {
        long characters = 0;
        long tokens = 0;
        characters += Text(request["system"]);
        if (request["tools"] is JsonArray tools)
        {
            characters += tools.ToJsonString().Length;
        }

        if (request["messages"] is JsonArray messages)
        {
            foreach (var message in messages)
            {
                tokens += TokensPerMessage;
                tokens += Images(message?["content"]) * TokensPerImage;
                characters += Text(message?["content"]);
            }
        }

        return Math.Max(1, tokens + FromCharacters(characters));
    }

    /// <summary>Tokens for so many characters of text, about four a token, rounded up.</summary>
    public static long FromCharacters(long characters) => (characters + CharsPerToken - 1) / CharsPerToken;

    /// <summary>Characters the model reads in a content value: strings, and every string inside blocks except image data.</summary>
    private static long Text(JsonNode? node) => node switch
    {
        null => 0,
        JsonValue value when value.TryGetValue<string>(out var text) => text.Length,
        JsonValue => 0,
        JsonArray array => array.Sum(Text),
        JsonObject block when (string?)block["type"] == "image" => 0,
        JsonObject block => block.Where(p => p.Key is not ("type" or "cache_control" or "signature" or "id" or "tool_use_id"))
            .Sum(p => p.Value is JsonObject or JsonArray && p.Key == "input" ? p.Value.ToJsonString().Length : Text(p.Value)),
        _ => 0,
    };

    /// <summary>Image blocks in a content value, tool results included.</summary>
    public static long Images(JsonNode? node) => node switch
    {
        JsonArray array => array.Sum(Images),
        JsonObject block when (string?)block["type"] == "image" => 1,
        JsonObject block when block["content"] is JsonArray inner => Images(inner),
        _ => 0,
    };
}
