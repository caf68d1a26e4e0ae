using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrProject.Protocols.Canonical;

/// <summary>Small readers over <see cref="JsonNode"/> that never throw on a wrong kind.</summary>
internal static class JsonNodes
{
    // SSE data and tool arguments are not HTML: keep non-ASCII and <>& readable instead of \uXXXX.
    public static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Write(JsonNode? node) => node?.ToJsonString(Compact) ?? "null";

    public static string? Str(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    public static bool? Bool(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<bool>(out var flag) ? flag : null;

    public static bool TryDouble(JsonNode? node, out double number)
    {
        number = 0;
        if (node is not JsonValue value || value.GetValueKind() != JsonValueKind.Number)
        {
            return false;
        }

        // A value parsed from JSON converts to double; one the gateway set itself keeps its CLR type (int, long).
        if (value.TryGetValue(out number))
        {
            return true;
        }

        if (value.TryGetValue(out long whole))
        {
            number = whole;
            return true;
        }

        return value.TryGetValue(out int small) && (number = small) == small;
    }

    public static bool TryLong(JsonNode? node, out long number)
    {
        number = 0;
        if (!TryDouble(node, out var real) || real != Math.Floor(real) || Math.Abs(real) > long.MaxValue)
        {
            return false;
        }

        number = (long)real;
        return true;
    }

    public static long Long(JsonNode? node) => TryLong(node, out var number) ? number : 0;

    /// <summary>The text parsed as a JSON object; empty, invalid or non-object text gives <c>null</c>.</summary>
    public static JsonObject? ParseObject(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static JsonObject Object(string json) => JsonNode.Parse(json)!.AsObject();
}
