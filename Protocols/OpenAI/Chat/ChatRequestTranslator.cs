using System.Text.Json.Nodes;
using OrProject.Protocols.Canonical;

namespace OrProject.Protocols.OpenAI.Chat;

/// <summary>
/// OpenAI Chat Completions request → canonical (Anthropic Messages) request.
/// Pure: no defaults are read from anywhere but the arguments.
/// </summary>
public static class ChatRequestTranslator
{
    /// <summary>The <c>max_tokens</c> used when the client sets neither <c>max_completion_tokens</c> nor <c>max_tokens</c>.</summary>
    public const int DefaultMaxTokens = 4096;

    /// <summary>
    /// Translates <paramref name="request"/>; returns a validation error (HTTP 400) instead of throwing when the request
    /// asks for something the canonical form cannot carry (<c>n</c> &gt; 1, file ids, audio, unknown roles…).
    /// </summary>
    public static CanonicalRequestResult ToCanonical(JsonObject request, int defaultMaxTokens = DefaultMaxTokens)
    {
        try
        {
            return Translate(request, defaultMaxTokens);
        }
        catch (RequestValidationException e)
        {
            return CanonicalRequestResult.Invalid(e.Message, e.Param);
        }
    }

    private static CanonicalRequestResult Translate(JsonObject request, int defaultMaxTokens)
    {
        if (JsonNodes.TryLong(request["n"], out var n) && n > 1)
        {
            throw new RequestValidationException("Only n = 1 is supported.", "n");
        }

        var system = new SystemPrompt();
        var turns = new CanonicalTurns();
        ChatMessages.Read(request["messages"], system, turns);

        var canonical = new JsonObject { ["model"] = request["model"]?.DeepClone() };
        canonical["max_tokens"] = OpenAiRequestFields.MaxTokens(
            request["max_completion_tokens"] ?? request["max_tokens"],
            request["max_completion_tokens"] is null ? "max_tokens" : "max_completion_tokens",
            defaultMaxTokens);

        var format = request["response_format"];
        OpenAiRequestFields.WriteFormat(
            canonical, system, JsonNodes.Str(format?["type"]), format?["json_schema"]?["schema"], "response_format.json_schema.schema");
        system.WriteTo(canonical);
        canonical["messages"] = turns.Build();

        if (StopSequences(request["stop"]) is { } stop)
        {
            canonical["stop_sequences"] = stop;
        }

        OpenAiRequestFields.WriteTools(
            canonical, Tools(request["tools"]), OpenAiRequestFields.ToolChoice(request["tool_choice"]), JsonNodes.Bool(request["parallel_tool_calls"]));
        OpenAiRequestFields.WriteSampling(
            canonical, request["temperature"], request["top_p"], JsonNodes.Str(request["reasoning_effort"]));
        if (CanonicalThinking.DropThinkingIfHistoryLacksIt(canonical))
        {
            // The client did not send back the thinking of the tool loop under way (most Chat clients cannot), and
            // Anthropic refuses thinking then: this request goes without it, with the sampling thinking had displaced.
            OpenAiRequestFields.WriteSampling(canonical, request["temperature"], request["top_p"], null);
        }

        OpenAiRequestFields.WriteUser(canonical, JsonNodes.Str(request["user"]) ?? JsonNodes.Str(request["safety_identifier"]));

        var stream = JsonNodes.Bool(request["stream"]) == true;
        var includeUsage = stream && JsonNodes.Bool(request["stream_options"]?["include_usage"]) == true;
        return CanonicalRequestResult.Ok(canonical, stream, includeUsage);
    }

    /// <summary>A string or an array, always an array out (even of one); blank strings are dropped, as Anthropic rejects them.</summary>
    private static JsonArray? StopSequences(JsonNode? stop)
    {
        IEnumerable<string?> values = stop switch
        {
            JsonArray array => array.Select(JsonNodes.Str),
            JsonValue => [JsonNodes.Str(stop)],
            _ => [],
        };
        var kept = new JsonArray();
        foreach (var value in values)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                kept.Add(value);
            }
        }

        return kept.Count > 0 ? kept : null;
    }

    private static JsonArray Tools(JsonNode? tools)
    {
        var result = new JsonArray();
        if (tools is not JsonArray array)
        {
            return result;
        }

        for (var i = 0; i < array.Count; i++)
        {
            // Custom (grammar) tools have no Anthropic equivalent; they are dropped rather than rejected.
            if (JsonNodes.Str(array[i]?["type"]) != "function")
            {
                continue;
            }

            var function = array[i]?["function"];
            result.Add(OpenAiRequestFields.Tool(
                JsonNodes.Str(function?["name"]), JsonNodes.Str(function?["description"]), function?["parameters"], $"tools[{i}].function.name"));
        }

        return result;
    }
}
