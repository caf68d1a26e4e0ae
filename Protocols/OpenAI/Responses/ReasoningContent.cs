using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrProject.Protocols.Canonical;
namespace OrProject.Protocols.OpenAI.Responses;

/// <summary>
/// The <c>encrypted_content</c> of the reasoning items this gateway emits: the Anthropic thinking block a reasoning
/// item stands for, so that a client replaying the item gives Anthropic back the exact block it signed. It is NOT
/// encrypted — only base64url of the block's JSON behind a version marker. Clients treat it as opaque, and nothing in
/// it is secret from them: the thinking text is in the summary anyway, and Anthropic verifies the block through its
/// own <c>signature</c> (or the already-encrypted <c>data</c> of a redacted block), which no client can forge.
/// </summary>
internal static class ReasoningContent
{
    private const string Marker = "orp.thinking.v1:";

    public static bool IsThinking(JsonNode? block) => JsonNodes.Str(block?["type"]) is "thinking" or "redacted_thinking";

    /// <summary>The marker and base64url of the block, keeping only the fields Anthropic takes back.</summary>
    public static string Encode(JsonNode block)
    {
        var kept = JsonNodes.Str(block["type"]) == "redacted_thinking"
            ? new JsonObject { ["type"] = "redacted_thinking", ["data"] = JsonNodes.Str(block["data"]) ?? "" }
            : new JsonObject
            {
                ["type"] = "thinking",
                ["thinking"] = JsonNodes.Str(block["thinking"]) ?? "",
                ["signature"] = JsonNodes.Str(block["signature"]) ?? "",
            };
        return Marker + Convert.ToBase64String(Encoding.UTF8.GetBytes(JsonNodes.Write(kept)))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>
    /// The thinking block in <paramref name="encrypted"/>, or <c>null</c> when it is not this gateway's (real OpenAI
    /// reasoning from an earlier provider, an older format): such an item cannot be replayed to Anthropic.
    /// </summary>
    public static JsonObject? Decode(string? encrypted)
    {
        if (encrypted is null || !encrypted.StartsWith(Marker, StringComparison.Ordinal))
        {
            return null;
        }

        var payload = encrypted[Marker.Length..].Replace('-', '+').Replace('_', '/');
        payload = payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=');
        try
        {
            var block = JsonNode.Parse(Convert.FromBase64String(payload)) as JsonObject;
            return JsonNodes.Str(block?["type"]) switch
            {
                "thinking" when JsonNodes.Str(block!["thinking"]) is not null && JsonNodes.Str(block["signature"]) is not null => block,
                "redacted_thinking" when JsonNodes.Str(block!["data"]) is not null => block,
                _ => null,
            };
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return null;
        }
    }
}
