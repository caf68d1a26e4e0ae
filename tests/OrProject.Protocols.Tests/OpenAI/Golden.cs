using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrProject.Contracts.Messaging;
using Xunit.Sdk;

namespace OrProject.Protocols.Tests.OpenAI;

/// <summary>
/// Golden files under <c>Golden/</c>, copied to the output directory. Set <c>ORP_UPDATE_GOLDEN=1</c> to rewrite the
/// expected files in the source tree from the actual output (then review the diff before committing).
/// </summary>
internal static class Golden
{
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Text(string relative) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", relative));

    public static JsonObject Object(string relative) => JsonNode.Parse(Text(relative))!.AsObject();

    /// <summary>Named SSE events (<c>event:</c> + <c>data:</c>) from a fixture, as the canonical stream carries them.</summary>
    public static List<SseEvent> Events(string relative)
    {
        var events = new List<SseEvent>();
        string? name = null;
        foreach (var line in Text(relative).ReplaceLineEndings("\n").Split('\n'))
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add(new SseEvent(name ?? "", line["data: ".Length..]));
                name = null;
            }
        }

        return events;
    }

    /// <summary>The <c>data:</c> payloads of a data-only (OpenAI) SSE fixture, <c>[DONE]</c> included.</summary>
    public static List<string> DataLines(string relative) =>
        [.. Text(relative).ReplaceLineEndings("\n").Split('\n')
            .Where(line => line.StartsWith("data: ", StringComparison.Ordinal))
            .Select(line => line["data: ".Length..])];

    public static JsonArray EventsAsJson(IEnumerable<SseEvent> events) =>
        [.. events.Select(e => (JsonNode)new JsonObject { ["event"] = e.Event, ["data"] = JsonNode.Parse(e.Data) })];

    public static JsonArray ChunksAsJson(IEnumerable<string> chunks) => [.. chunks.Select(c => JsonNode.Parse(c))];

    public static void AssertMatches(string expectedRelative, JsonNode? actual, [CallerFilePath] string caller = "")
    {
        if (Environment.GetEnvironmentVariable("ORP_UPDATE_GOLDEN") == "1")
        {
            var source = Path.Combine(Path.GetDirectoryName(caller)!, "..", "Golden", expectedRelative);
            File.WriteAllText(source, actual!.ToJsonString(Indented) + "\n");
            return;
        }

        AssertJson(JsonNode.Parse(Text(expectedRelative)), actual, expectedRelative);
    }

    public static void AssertJson(JsonNode? expected, JsonNode? actual, string what = "json")
    {
        if (!JsonNode.DeepEquals(expected, actual))
        {
            throw new XunitException(
                $"{what} differs.\nExpected:\n{expected?.ToJsonString(Indented)}\nActual:\n{actual?.ToJsonString(Indented)}");
        }
    }
}
