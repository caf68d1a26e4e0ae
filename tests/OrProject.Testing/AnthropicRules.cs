using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrProject.Testing;

/// <summary>
/// The Messages API's request rules about thinking that the gateway can break by translating, checked the way the
/// real API checks them so that the fake upstream refuses what Anthropic would refuse. Written apart from the
/// product's own handling on purpose: a shared copy would agree with any mistake in it.
/// </summary>
public static class AnthropicRules
{
    /// <summary>
    /// The error message Anthropic gives, word for word (its spelling included), for a request with thinking on whose
    /// final assistant turn does not start with a thinking block.
    /// </summary>
    public static string MissingThinkingMessage(int message, int block, string found) =>
        $"messages.{message}.content.{block}.type: Expected `thinking` or `redacted_thinking`, but found `{found}`. " +
        "When `thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding the lastmost " +
        "set of `tool_use` and `tool_result` blocks). We recommend you include thinking blocks from previous turns. " +
        "To avoid this requirement, disable `thinking`. Please consult our documentation at " +
        "https://docs.claude.com/en/docs/build-with-claude/extended-thinking";

    /// <summary>
    /// Checks a <c>/v1/messages</c> body; the <c>invalid_request_error</c> message for the first rule it breaks, or
    /// <c>null</c> when it keeps them all (or is not a JSON object: other tests are about such bodies).
    /// </summary>
    public static string? Check(string body)
    {
        JsonObject? request;
        try
        {
            request = JsonNode.Parse(body) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }

        if (request?["messages"] is not JsonArray messages)
        {
            return null;
        }

        return SignedBlocks(messages) ?? ThinkingLeadsToolLoop(request, messages);
    }

    /// <summary>Every thinking block carries a non-empty signature, every redacted one its data.</summary>
    private static string? SignedBlocks(JsonArray messages)
    {
        for (var i = 0; i < messages.Count; i++)
        {
            var content = messages[i]?["content"] as JsonArray ?? [];
            for (var j = 0; j < content.Count; j++)
            {
                var type = Type(content[j]);
                if (type == "thinking" && content[j]?["signature"] is null)
                {
                    return $"messages.{i}.content.{j}.thinking.signature: Field required";
                }

                if (type == "thinking" && Text(content[j]?["signature"]) is not { Length: > 0 })
                {
                    return $"messages.{i}.content.{j}: Invalid `signature` in `thinking` block";
                }

                if (type == "redacted_thinking" && Text(content[j]?["data"]) is not { Length: > 0 })
                {
                    return $"messages.{i}.content.{j}: Invalid `data` in `redacted_thinking` block";
                }
            }
        }

        return null;
    }

    /// <summary>
    /// With thinking on, a tool loop is one assistant turn — it runs from the last user message that is not only
    /// tool results — and its first assistant message must start with thinking or redacted_thinking.
    /// </summary>
    private static string? ThinkingLeadsToolLoop(JsonObject request, JsonArray messages)
    {
        if (Text(request["thinking"]?["type"]) is not ("enabled" or "adaptive"))
        {
            return null;
        }

        var turnStart = 0;
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            if (Text(messages[i]?["role"]) == "user" && !Blocks(messages[i]).Any(b => Type(b) == "tool_result"))
            {
                turnStart = i + 1;
                break;
            }
        }

        var assistants = Enumerable.Range(turnStart, messages.Count - turnStart)
            .Where(i => Text(messages[i]?["role"]) == "assistant").ToList();
        if (assistants.Count == 0 || !assistants.Any(i => Blocks(messages[i]).Any(b => Type(b) == "tool_use")))
        {
            return null;
        }

        var first = assistants[0];
        var lead = Blocks(messages[first]).FirstOrDefault();
        return Type(lead) is "thinking" or "redacted_thinking" ? null : MissingThinkingMessage(first, 0, Type(lead) ?? "nothing");
    }

    private static IEnumerable<JsonNode?> Blocks(JsonNode? message) => message?["content"] switch
    {
        JsonArray blocks => blocks,
        JsonValue => [new JsonObject { ["type"] = "text" }],
        _ => [],
    };

    private static string? Type(JsonNode? block) => Text(block?["type"]);

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
