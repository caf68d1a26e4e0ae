using System.Text.Json.Nodes;
using OrProject.Protocols.Canonical;
using OrProject.Protocols.OpenAI.Chat;
namespace OrProject.Protocols.OpenAI.Responses;

/// <summary>
/// OpenAI Responses API request → canonical (Anthropic Messages) request, for Codex-style clients: text, images,
/// files, function/custom/namespace/local-shell tools and their calls, web search as Anthropic's server tool, and
/// reasoning items this gateway emitted, which become their thinking blocks again (see <see cref="ReasoningContent"/>).
/// A tool type Anthropic has no counterpart for is a validation error, except the few that are harmless to drop
/// (<see cref="ResponsesTools"/>).
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
        catch (InvalidOperationException)
        {
            // JsonNode throws this when a field read as an object is a string or an array: a malformed request,
            // not a server fault.
            return CanonicalRequestResult.Invalid("A field has the wrong JSON type (an object was expected).", null);
        }
    }

    private static CanonicalRequestResult Translate(JsonObject request, int defaultMaxTokens)
    {
        // Nothing is stored, so a continuation would silently lose the conversation: say so instead.
        if (JsonNodes.Str(request["previous_response_id"]) is not null)
        {
            throw new RequestValidationException(
                "previous_response_id is not supported; send the full input (store: false).", "previous_response_id");
        }

        var system = new SystemPrompt();
        system.Add(JsonNodes.Str(request["instructions"]));
        var turns = new CanonicalTurns();
        var tools = ResponsesTools.From(request["tools"]);
        ResponsesInput.Read(request["input"], system, turns, tools);

        var canonical = new JsonObject
        {
            ["model"] = request["model"]?.DeepClone(),
            ["max_tokens"] = OpenAiRequestFields.MaxTokens(request["max_output_tokens"], "max_output_tokens", defaultMaxTokens),
        };
        var format = request["text"]?["format"];
        OpenAiRequestFields.WriteFormat(canonical, system, JsonNodes.Str(format?["type"]), format?["schema"], "text.format.schema");
        system.WriteTo(canonical);
        canonical["messages"] = turns.Build();
        OpenAiRequestFields.WriteTools(
            canonical, tools.Canonical, ToolChoice(request["tool_choice"], tools), JsonNodes.Bool(request["parallel_tool_calls"]));
        OpenAiRequestFields.WriteSampling(canonical, request["temperature"], request["top_p"], JsonNodes.Str(request["reasoning"]?["effort"]));
        if (CanonicalThinking.DropThinkingIfHistoryLacksIt(canonical))
        {
            // Without thinking, the client's sampling settings are allowed again.
            OpenAiRequestFields.WriteSampling(canonical, request["temperature"], request["top_p"], null);
        }

        OpenAiRequestFields.WriteUser(canonical, JsonNodes.Str(request["user"]) ?? JsonNodes.Str(request["safety_identifier"]));
        return CanonicalRequestResult.Ok(canonical, JsonNodes.Bool(request["stream"]) == true, includeUsage: false);
    }

    /// <summary>
    /// OpenAI's choices, plus the forms only Responses has: a <c>custom</c> tool, and a <c>function</c> inside a
    /// namespace, both forced by their canonical name.
    /// </summary>
    private static JsonObject? ToolChoice(JsonNode? choice, ResponsesTools tools) =>
        choice is JsonObject forced && JsonNodes.Str(forced["type"]) is "custom" or "function" && JsonNodes.Str(forced["name"]) is { } name
            ? new JsonObject { ["type"] = "tool", ["name"] = tools.CanonicalName(JsonNodes.Str(forced["namespace"]), name) }
            : OpenAiRequestFields.ToolChoice(choice);
}
