using System.Text;
using System.Text.Json.Nodes;
using OrProject.Contracts.Messaging;
using OrProject.Protocols.Anthropic;
using OrProject.Protocols.Canonical;

namespace OrProject.Protocols.OpenAI.Chat;

/// <summary>
/// Canonical stream events → OpenAI <c>chat.completion.chunk</c> JSON strings, for one request.
/// The edge writes each string as <c>data: &lt;json&gt;\n\n</c>; after <see cref="Finish"/> it writes <c>data: [DONE]</c>
/// unless <see cref="Failed"/> (an error chunk ends the stream). Tool-call <c>index</c> is the ordinal among tool_use
/// blocks, not the canonical block index, and argument fragments are forwarded as they arrive, never buffered.
/// Thinking text streams as <c>reasoning_content</c> deltas; when a thinking (or redacted_thinking) block ends, the
/// whole block with its signature follows as a one-element <c>thinking_blocks</c> delta (LiteLLM's extension), because
/// a client can only send thinking back to Anthropic signed and whole, and the signature arrives last.
/// </summary>
/// <param name="id">The <c>chatcmpl-…</c> id repeated on every chunk.</param>
/// <param name="model">The model name to report.</param>
/// <param name="created">Unix seconds, repeated on every chunk.</param>
/// <param name="includeUsage"><c>stream_options.include_usage</c>: <c>usage:null</c> on every chunk and a final usage chunk.</param>
/// <param name="includeReasoning">Forward thinking as the <c>reasoning_content</c> and <c>thinking_blocks</c> delta extensions.</param>
public sealed class ChatStreamTranslator(string id, string model, long created, bool includeUsage, bool includeReasoning = true)
{
    private readonly ChatChunks _chunks = new(id, model, created, includeUsage);
    private readonly Dictionary<int, int> _toolOrdinals = [];
    // Thinking blocks being streamed, by canonical index: the block as started and the text gathered so far.
    private readonly Dictionary<int, (JsonObject Block, StringBuilder Text)> _thinking = [];
    private TokenUsage _usage = TokenUsage.Zero;
    private string? _stopReason;
    private bool _started;
    private bool _finishSent;

    /// <summary>The stream is over (<c>message_stop</c>, an error, or <see cref="Finish"/>); later events are ignored.</summary>
    public bool Completed { get; private set; }

    /// <summary>The stream ended with an error chunk: do not write <c>data: [DONE]</c> after it.</summary>
    public bool Failed { get; private set; }

    /// <summary>Chunks for one canonical event, in order (often none: pings, block stops, signatures).</summary>
    public IReadOnlyList<string> Translate(SseEvent canonicalEvent)
    {
        var output = new List<string>();
        if (Completed)
        {
            return output;
        }

        switch (canonicalEvent.Event)
        {
            case "message_start":
                _usage = UsageMapping.FromAnthropic(JsonNode.Parse(canonicalEvent.Data)?["message"]?["usage"]);
                Start(output);
                break;
            case "content_block_start":
                BlockStart(JsonNodes.Object(canonicalEvent.Data), output);
                break;
            case "content_block_delta":
                BlockDelta(JsonNodes.Object(canonicalEvent.Data), output);
                break;
            case "content_block_stop":
                BlockStop(JsonNodes.Object(canonicalEvent.Data), output);
                break;
            case "message_delta":
                var data = JsonNodes.Object(canonicalEvent.Data);
                _usage = UsageMapping.Merge(_usage, data["usage"]);
                _stopReason = JsonNodes.Str(data["delta"]?["stop_reason"]) ?? _stopReason;
                if (_stopReason is not null)
                {
                    SendFinish(output);
                }

                break;
            case "message_stop":
                End(output);
                break;
            case "error":
                var (type, message) = CanonicalEvents.ReadError(canonicalEvent.Data);
                output.Add(ChatChunks.Error(type, message));
                Completed = Failed = true;
                break;
            default:
                break; // ping and event types newer than this code
        }

        return output;
    }

    /// <summary>
    /// Ends the stream when the canonical events stopped without <c>message_stop</c>: the finish chunk if it was not sent
    /// (<c>stop</c> when no stop reason arrived) and the usage chunk when asked for. Idempotent.
    /// </summary>
    public IReadOnlyList<string> Finish()
    {
        var output = new List<string>();
        if (!Completed)
        {
            End(output);
        }

        return output;
    }

    private void Start(List<string> output)
    {
        if (!_started)
        {
            _started = true;
            output.Add(_chunks.Delta(new JsonObject { ["role"] = "assistant", ["content"] = "", ["refusal"] = null }));
        }
    }

    private void BlockStart(JsonObject data, List<string> output)
    {
        var block = data["content_block"];
        var type = JsonNodes.Str(block?["type"]);
        if (includeReasoning && type is "thinking" or "redacted_thinking" && block is JsonObject started)
        {
            var copy = started.DeepClone().AsObject();
            _thinking[(int)JsonNodes.Long(data["index"])] = (copy, new StringBuilder(JsonNodes.Str(copy["thinking"])));
            return;
        }

        if (type != "tool_use")
        {
            return;
        }

        Start(output);
        var ordinal = _toolOrdinals.Count;
        _toolOrdinals[(int)JsonNodes.Long(data["index"])] = ordinal;
        var call = ChatChunks.ToolCall(ordinal, JsonNodes.Str(block?["id"]) ?? "", JsonNodes.Str(block?["name"]) ?? "", "");
        output.Add(_chunks.Delta(new JsonObject { ["tool_calls"] = new JsonArray(call) }));
    }

    private void BlockDelta(JsonObject data, List<string> output)
    {
        var delta = data["delta"];
        if (_thinking.TryGetValue((int)JsonNodes.Long(data["index"]), out var open))
        {
            switch (JsonNodes.Str(delta?["type"]))
            {
                case "thinking_delta":
                    open.Text.Append(JsonNodes.Str(delta?["thinking"]));
                    break;
                case "signature_delta":
                    open.Block["signature"] = JsonNodes.Str(delta?["signature"]);
                    break;
                default:
                    break;
            }
        }

        JsonObject? chunk = JsonNodes.Str(delta?["type"]) switch
        {
            "text_delta" when JsonNodes.Str(delta?["text"]) is { Length: > 0 } text => new() { ["content"] = text },
            "thinking_delta" when includeReasoning && JsonNodes.Str(delta?["thinking"]) is { Length: > 0 } thinking =>
                new() { ["reasoning_content"] = thinking },
            "input_json_delta" when JsonNodes.Str(delta?["partial_json"]) is { Length: > 0 } fragment &&
                                    _toolOrdinals.TryGetValue((int)JsonNodes.Long(data["index"]), out var ordinal) =>
                new()
                {
                    ["tool_calls"] = new JsonArray(new JsonObject
                    {
                        ["index"] = ordinal,
                        ["function"] = new JsonObject { ["arguments"] = fragment },
                    }),
                },
            _ => null,
        };
        if (chunk is not null)
        {
            Start(output);
            output.Add(_chunks.Delta(chunk));
        }
    }

    private void BlockStop(JsonObject data, List<string> output)
    {
        if (!_thinking.Remove((int)JsonNodes.Long(data["index"]), out var done))
        {
            return;
        }

        if (JsonNodes.Str(done.Block["type"]) == "thinking")
        {
            done.Block["thinking"] = done.Text.ToString();
        }

        Start(output);
        output.Add(_chunks.Delta(new JsonObject { ["thinking_blocks"] = new JsonArray(done.Block) }));
    }

    private void SendFinish(List<string> output)
    {
        if (!_finishSent)
        {
            Start(output);
            _finishSent = true;
            output.Add(_chunks.Delta([], StopReasons.ToFinishReason(_stopReason)));
        }
    }

    private void End(List<string> output)
    {
        SendFinish(output);
        if (includeUsage)
        {
            output.Add(_chunks.Usage(_usage));
        }

        Completed = true;
    }
}
