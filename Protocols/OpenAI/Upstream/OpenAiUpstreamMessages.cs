using System.Text;
using System.Text.Json.Nodes;
using OrProject.Protocols.Canonical;
using OrProject.Protocols.OpenAI.Chat;

namespace OrProject.Protocols.OpenAI.Upstream;

/// <summary>Canonical <c>system</c> + <c>messages</c> → Chat Completions <c>messages</c>.</summary>
internal static class OpenAiUpstreamMessages
{
    // Claude Code's per-request attribution block: useless to other upstreams and it defeats their prompt caches.
    private const string BillingHeaderPrefix = "x-anthropic-billing-header:";
    private const string ImagesMovedNote = "(image output follows in the next message)";

    public static JsonArray Build(JsonObject request, ToolNameMap names)
    {
        var messages = new JsonArray();
        var system = string.Join("\n\n", Texts(request["system"]).Where(t => !t.StartsWith(BillingHeaderPrefix, StringComparison.Ordinal)));
        if (system.Length > 0)
        {
            messages.Add(new JsonObject { ["role"] = "system", ["content"] = system });
        }

        foreach (var message in request["messages"] as JsonArray ?? [])
        {
            var content = message?["content"];
            switch (JsonNodes.Str(message?["role"]))
            {
                case "assistant":
                    Assistant(content, names, messages);
                    break;
                case "system":
                    if (string.Join("\n\n", Texts(content)) is { Length: > 0 } text)
                    {
                        messages.Add(new JsonObject { ["role"] = "system", ["content"] = text });
                    }

                    break;
                default:
                    User(content, messages);
                    break;
            }
        }

        return messages;
    }

    /// <summary>
    /// One canonical user turn → a <c>tool</c> message per tool_result, in order, then one <c>user</c> message with what
    /// is left (text, images, documents, and the images tool results carried, which <c>tool</c> messages cannot).
    /// </summary>
    private static void User(JsonNode? content, JsonArray messages)
    {
        if (JsonNodes.Str(content) is { } plain)
        {
            if (plain.Length > 0)
            {
                messages.Add(new JsonObject { ["role"] = "user", ["content"] = plain });
            }

            return;
        }

        var parts = new List<JsonObject>();
        foreach (var block in content as JsonArray ?? [])
        {
            if (JsonNodes.Str(block?["type"]) == "tool_result")
            {
                messages.Add(ToolMessage(block!, parts));
            }
            else if (Part(block) is { } part)
            {
                parts.Add(part);
            }
        }

        if (parts.Count == 0)
        {
            return;
        }

        // Text-only content goes as a string: several OpenAI-compatible servers accept nothing else.
        JsonNode userContent = parts.All(p => (string?)p["type"] == "text")
            ? string.Join("\n\n", parts.Select(p => (string?)p["text"]))
            : new JsonArray([.. parts]);
        messages.Add(new JsonObject { ["role"] = "user", ["content"] = userContent });
    }

    private static JsonObject ToolMessage(JsonNode block, List<JsonObject> movedParts)
    {
        var content = block["content"];
        var text = JsonNodes.Str(content) ?? "";
        if (content is JsonArray nested)
        {
            var texts = new List<string>();
            var moved = 0;
            foreach (var item in nested)
            {
                if (JsonNodes.Str(item?["type"]) == "text" && JsonNodes.Str(item?["text"]) is { Length: > 0 } t)
                {
                    texts.Add(t);
                }
                else if (JsonNodes.Str(item?["type"]) == "image" && Part(item) is { } image)
                {
                    movedParts.Add(image);
                    moved++;
                }
            }

            text = texts.Count > 0 ? string.Join("\n\n", texts) : moved > 0 ? ImagesMovedNote : "";
        }

        // Chat has no is_error: the model learns it from the text.
        if (JsonNodes.Bool(block["is_error"]) == true)
        {
            text = text.Length > 0 ? $"Error: {text}" : "Error";
        }

        return new JsonObject { ["role"] = "tool", ["tool_call_id"] = JsonNodes.Str(block["tool_use_id"]), ["content"] = text };
    }

    private static void Assistant(JsonNode? content, ToolNameMap names, JsonArray messages)
    {
        var text = new StringBuilder(JsonNodes.Str(content) ?? "");
        var calls = new JsonArray();
        foreach (var block in content as JsonArray ?? [])
        {
            switch (JsonNodes.Str(block?["type"]))
            {
                case "text":
                    text.Append(JsonNodes.Str(block?["text"]));
                    break;
                case "tool_use":
                    calls.Add(ChatChunks.ToolCall(
                        null,
                        JsonNodes.Str(block?["id"]) ?? "",
                        names.ToUpstream(JsonNodes.Str(block?["name"]) ?? ""),
                        JsonNodes.Write(block?["input"] ?? new JsonObject())));
                    break;
                default:
                    break; // thinking (another provider's signatures mean nothing here), server-tool blocks
            }
        }

        if (text.Length == 0 && calls.Count == 0)
        {
            return;
        }

        var message = new JsonObject { ["role"] = "assistant", ["content"] = text.Length > 0 ? text.ToString() : null };
        if (calls.Count > 0)
        {
            message["tool_calls"] = calls;
        }

        messages.Add(message);
    }

    private static JsonObject? Part(JsonNode? block)
    {
        var source = block?["source"];
        var sourceType = JsonNodes.Str(source?["type"]);
        switch (JsonNodes.Str(block?["type"]))
        {
            case "text" when JsonNodes.Str(block?["text"]) is { Length: > 0 } text:
                return new JsonObject { ["type"] = "text", ["text"] = text };
            case "image" when sourceType is "base64" or "url":
                var url = sourceType == "url"
                    ? JsonNodes.Str(source?["url"])
                    : DataUrl.Build(JsonNodes.Str(source?["media_type"]) ?? "image/png", JsonNodes.Str(source?["data"]) ?? "");
                return new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = url } };
            case "document" when sourceType == "base64":
                return new JsonObject
                {
                    ["type"] = "file",
                    ["file"] = new JsonObject
                    {
                        ["filename"] = JsonNodes.Str(block?["title"]) ?? "document.pdf",
                        ["file_data"] = DataUrl.Build(JsonNodes.Str(source?["media_type"]) ?? "application/pdf", JsonNodes.Str(source?["data"]) ?? ""),
                    },
                };
            case "document" when sourceType == "text" && JsonNodes.Str(source?["data"]) is { Length: > 0 } data:
                return new JsonObject { ["type"] = "text", ["text"] = data };
            default:
                return null; // thinking, server-tool results, url documents: nothing an OpenAI upstream can read
        }
    }

    private static IEnumerable<string> Texts(JsonNode? content) => JsonNodes.Str(content) is { } text
        ? text.Length > 0 ? [text] : []
        : (content as JsonArray ?? []).Select(b => JsonNodes.Str(b?["text"])).OfType<string>().Where(t => t.Length > 0);
}
