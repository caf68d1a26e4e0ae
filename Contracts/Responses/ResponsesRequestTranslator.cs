using System.Text.Json.Nodes;
using OrProject.Contracts.OpenAI;

namespace OrProject.Contracts.Responses;

/// <summary>
/// OpenAI Responses API request → canonical (Anthropic Messages) request: the text and function-calling subset.
/// Items and tools Anthropic cannot take — reasoning, custom/local-shell/web-search calls,
/// non-function tools — are skipped, not rejected, because Codex always sends them.
/// </summary>
public static class ResponsesRequestTranslator
{
    /// <summary>Translates <paramref name="request"/>; a validation error (HTTP 400) instead of an exception.</summary>
    public static CanonicalRequestResult ToCanonical(JsonObject request, int defaultMaxTokens = ChatRequestTranslator.DefaultMaxTokens)
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
        // Nothing is stored, so a continuation would silently lose the conversation: say so instead.
        if (JsonHelp.Str(request["previous_response_id"]) is not null)
        {
            throw new RequestValidationException(
                "previous_response_id is not supported; send the full input (store: false).", "previous_response_id");
        }

        var system = new SystemPrompt();
        system.Add(JsonHelp.Str(request["instructions"]));
        var turns = new CanonicalTurns();
        ResponsesInput.Read(request["input"], system, turns);

        var canonical = new JsonObject
        {
            ["model"] = request["model"]?.DeepClone(),
            ["max_tokens"] = CanonicalOptions.MaxTokens(request["max_output_tokens"], "max_output_tokens", defaultMaxTokens),
        };
        var format = request["text"]?["format"];
        CanonicalOptions.WriteFormat(canonical, system, JsonHelp.Str(format?["type"]), format?["schema"], "text.format.schema");
        system.WriteTo(canonical);
        canonical["messages"] = turns.Build();
        CanonicalOptions.WriteTools(
            canonical, Tools(request["tools"]), CanonicalOptions.ToolChoice(request["tool_choice"]), JsonHelp.Bool(request["parallel_tool_calls"]));
        CanonicalOptions.WriteSampling(canonical, request["temperature"], request["top_p"], JsonHelp.Str(request["reasoning"]?["effort"]));
        CanonicalOptions.WriteUser(canonical, JsonHelp.Str(request["user"]) ?? JsonHelp.Str(request["safety_identifier"]));
        return CanonicalRequestResult.Ok(canonical, JsonHelp.Bool(request["stream"]) == true, includeUsage: false);
    }

    private static JsonArray Tools(JsonNode? tools)
    {
        var result = new JsonArray();
        var list = tools as JsonArray ?? [];
        for (var i = 0; i < list.Count; i++)
        {
            var tool = list[i];
            if (JsonHelp.Str(tool?["type"]) == "function")
            {
                result.Add(CanonicalOptions.Tool(
                    JsonHelp.Str(tool?["name"]), JsonHelp.Str(tool?["description"]), tool?["parameters"], $"tools[{i}].name"));
            }
        }

        return result;
    }
}
