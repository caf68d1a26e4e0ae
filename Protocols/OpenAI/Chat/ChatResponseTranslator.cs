using System.Text;
using System.Text.Json.Nodes;
using OrProject.Protocols.Canonical;

namespace OrProject.Protocols.OpenAI.Chat;

/// <summary>Canonical (Anthropic) non-streaming message → OpenAI <c>chat.completion</c>.</summary>
public static class ChatResponseTranslator
{
    /// <summary>
    /// Builds the <c>chat.completion</c> body. Text blocks are concatenated into <c>message.content</c> (<c>null</c> when
    /// there is no text), tool_use blocks become <c>tool_calls</c>, thinking text becomes the de-facto
    /// <c>reasoning_content</c> extension (omitted when there is none), and the thinking and redacted_thinking blocks
    /// themselves, signatures included, go in <c>thinking_blocks</c> (LiteLLM's extension) so that a client can send
    /// them back in its next request of a tool loop, as Anthropic requires; server-tool blocks are dropped.
    /// </summary>
    /// <param name="anthropicMessage">The message as the Messages API (or <c>MessageAccumulator</c>) returns it.</param>
    /// <param name="model">The model name to report, normally what the client asked for.</param>
    /// <param name="created">Unix seconds.</param>
    /// <param name="id">The completion id (<c>chatcmpl-…</c>).</param>
    public static JsonObject FromCanonicalMessage(JsonObject anthropicMessage, string model, long created, string id)
    {
        var text = new StringBuilder();
        var reasoning = new StringBuilder();
        var thinkingBlocks = new JsonArray();
        var calls = new JsonArray();
        foreach (var block in anthropicMessage["content"] as JsonArray ?? [])
        {
            switch (JsonNodes.Str(block?["type"]))
            {
                case "text":
                    text.Append(JsonNodes.Str(block?["text"]));
                    break;
                case "thinking":
                    reasoning.Append(JsonNodes.Str(block?["thinking"]));
                    thinkingBlocks.Add(block!.DeepClone());
                    break;
                case "redacted_thinking":
                    thinkingBlocks.Add(block!.DeepClone());
                    break;
                case "tool_use":
                    calls.Add(ChatChunks.ToolCall(
                        null, JsonNodes.Str(block?["id"]) ?? "", JsonNodes.Str(block?["name"]) ?? "", JsonNodes.Write(block?["input"] ?? new JsonObject())));
                    break;
                default:
                    break;
            }
        }

        var message = new JsonObject
        {
            ["role"] = "assistant",
            ["content"] = text.Length > 0 ? text.ToString() : null,
            ["refusal"] = null,
        };
        if (reasoning.Length > 0)
        {
            message["reasoning_content"] = reasoning.ToString();
        }

        if (thinkingBlocks.Count > 0)
        {
            message["thinking_blocks"] = thinkingBlocks;
        }

        if (calls.Count > 0)
        {
            message["tool_calls"] = calls;
        }

        return new JsonObject
        {
            ["id"] = id,
            ["object"] = "chat.completion",
            ["created"] = created,
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = message,
                ["logprobs"] = null,
                ["finish_reason"] = StopReasons.ToFinishReason(JsonNodes.Str(anthropicMessage["stop_reason"])),
            }),
            ["usage"] = UsageMapping.ToChatUsage(UsageMapping.FromAnthropic(anthropicMessage["usage"])),
            ["system_fingerprint"] = null,
            ["service_tier"] = null,
        };
    }
}
