using System.Text.Json.Nodes;
using OrProject.Contracts.Messaging;
using OrProject.Protocols.Canonical;

namespace OrProject.Protocols.OpenAI.Chat;

/// <summary>Builds <c>chat.completion.chunk</c> JSON with the id, created and model every chunk of one stream repeats.</summary>
internal sealed class ChatChunks(string id, string model, long created, bool includeUsage)
{
    public string Delta(JsonObject delta, string? finishReason = null)
    {
        var chunk = Envelope(new JsonArray(new JsonObject
        {
            ["index"] = 0,
            ["delta"] = delta,
            ["logprobs"] = null,
            ["finish_reason"] = finishReason,
        }));
        if (includeUsage)
        {
            chunk["usage"] = null;
        }

        return JsonNodes.Write(chunk);
    }

    public string Usage(TokenUsage usage)
    {
        var chunk = Envelope([]);
        chunk["usage"] = UsageMapping.ToChatUsage(usage);
        return JsonNodes.Write(chunk);
    }

    public static JsonObject ToolCall(int? index, string id, string name, string arguments)
    {
        var call = new JsonObject();
        if (index is { } k)
        {
            call["index"] = k;
        }

        call["id"] = id;
        call["type"] = "function";
        call["function"] = new JsonObject { ["name"] = name, ["arguments"] = arguments };
        return call;
    }

    /// <summary>
    /// OpenAI's mid-stream error chunk: the canonical (Anthropic) error type, and as code OpenAI's own where there is one
    /// (<c>context_length_exceeded</c>), the type otherwise.
    /// </summary>
    public static string Error(string type, string message) => JsonNodes.Write(new JsonObject
    {
        ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["param"] = null, ["code"] = OpenAiErrorCodes.IsContextOverflow(type, message) ? OpenAiErrorCodes.ContextLengthExceeded : type },
    });

    private JsonObject Envelope(JsonArray choices) => new()
    {
        ["id"] = id,
        ["object"] = "chat.completion.chunk",
        ["created"] = created,
        ["model"] = model,
        ["system_fingerprint"] = null,
        ["choices"] = choices,
    };
}
