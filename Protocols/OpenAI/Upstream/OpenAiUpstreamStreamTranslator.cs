using System.Text.Json.Nodes;
using OrProject.Contracts.Messaging;
using OrProject.Protocols.Anthropic;
using OrProject.Protocols.Canonical;
namespace OrProject.Protocols.OpenAI.Upstream;

/// <summary>
/// An OpenAI-compatible upstream's <c>chat.completion.chunk</c> stream → canonical events, for one
/// request. Feed each <c>data:</c> payload to <see cref="Translate"/>; call <see cref="Complete"/> at <c>[DONE]</c> or EOF
/// (<c>[DONE]</c> passed to <see cref="Translate"/> does the same). Blocks open and close as a state machine: thinking
/// (from <c>reasoning_content</c>/<c>reasoning</c>), text (never for empty or whitespace-only content), one tool_use per
/// tool call — a new <c>index</c>, a new <c>id</c> at a reused index, or by <c>id</c> when the index is missing — with its
/// arguments as <c>input_json_delta</c>s, however the upstream split them.
/// </summary>
/// <param name="messageId">The canonical message id (<c>msg_…</c>), unique per request.</param>
/// <param name="model">The model name to report.</param>
/// <param name="estimatedInputTokens">Shown in <c>message_start</c> (and the end, if the upstream never reports usage).</param>
/// <param name="toolNames">The renames made by <see cref="OpenAiUpstreamRequest"/>, mapped back here.</param>
public sealed class OpenAiUpstreamStreamTranslator(
    string messageId, string model, long estimatedInputTokens, ToolNameMap? toolNames = null)
{
    private enum Kind
    {
        None,
        Text,
        Thinking,
        Tool,
    }

    private readonly Dictionary<int, ToolCall> _byIndex = [];
    private readonly Dictionary<string, ToolCall> _byId = new(StringComparer.Ordinal);
    private ToolCall? _lastTool;
    private int _nextBlock;
    private int _openBlock = -1;
    private Kind _openKind;
    private TokenUsage? _usage;
    private string? _finishReason;
    private long _outputCharacters;
    private bool _started;

    /// <summary>The upstream sent a <c>finish_reason</c>. EOF without one means the stream was cut.</summary>
    public bool Finished => _finishReason is not null;

    /// <summary><c>message_stop</c> or an <c>error</c> event was emitted; later input is ignored.</summary>
    public bool Completed { get; private set; }

    /// <summary>The stream ended with an upstream error (translated into a canonical <c>error</c> event).</summary>
    public bool Failed { get; private set; }

    /// <summary>Canonical events for one upstream <c>data:</c> payload. Unparseable payloads are skipped.</summary>
    public IReadOnlyList<SseEvent> Translate(string data)
    {
        if (data.Trim() == "[DONE]")
        {
            return Complete();
        }

        var output = new List<SseEvent>();
        if (Completed || JsonNodes.ParseObject(data) is not { } chunk)
        {
            return output;
        }

        if (chunk["error"] is { } error)
        {
            var (type, message) = OpenAiErrorMapping.ToAnthropic(error);
            output.Add(CanonicalEvents.Error(type, message));
            Completed = Failed = true;
            return output;
        }

        _usage = UsageMapping.FromChat(chunk["usage"]) ?? _usage;
        Start(output);
        var choice = (chunk["choices"] as JsonArray)?.FirstOrDefault();
        var delta = choice?["delta"];
        if ((JsonNodes.Str(delta?["reasoning_content"]) ?? JsonNodes.Str(delta?["reasoning"])) is { Length: > 0 } reasoning)
        {
            Append(Kind.Thinking, "thinking_delta", "thinking", reasoning, output);
        }

        if (JsonNodes.Str(delta?["content"]) is { Length: > 0 } text && (_openKind == Kind.Text || !string.IsNullOrWhiteSpace(text)))
        {
            Append(Kind.Text, "text_delta", "text", text, output);
        }

        foreach (var call in delta?["tool_calls"] as JsonArray ?? [])
        {
            ToolCallDelta(call, output);
        }

        if (JsonNodes.Str(choice?["finish_reason"]) is { } finish)
        {
            _finishReason = finish;
            Close(output);
        }

        return output;
    }

    /// <summary>
    /// Ends the canonical stream: closes the open block and emits <c>message_delta</c> (stop reason, cumulative usage) and
    /// <c>message_stop</c>, whether or not a finish reason or usage ever arrived. Idempotent; nothing after an error.
    /// </summary>
    public IReadOnlyList<SseEvent> Complete()
    {
        var output = new List<SseEvent>();
        if (Completed)
        {
            return output;
        }

        Start(output);
        Close(output);
        var stop = StopReasons.ToStopReason(_finishReason, calledTools: _byId.Count > 0);
        // No usage from the upstream: charge what was seen rather than nothing.
        var usage = _usage ?? new TokenUsage(estimatedInputTokens, TokenEstimator.FromCharacters(_outputCharacters), 0, 0);
        output.Add(CanonicalEvents.MessageDelta(stop, usage));
        output.Add(CanonicalEvents.MessageStop());
        Completed = true;
        return output;
    }

    private void Start(List<SseEvent> output)
    {
        if (!_started)
        {
            _started = true;
            var usage = _usage ?? new TokenUsage(estimatedInputTokens, 0, 0, 0);
            output.Add(CanonicalEvents.MessageStart(messageId, model, usage with { OutputTokens = 0 }));
        }
    }

    private void Append(Kind kind, string deltaType, string field, string value, List<SseEvent> output)
    {
        if (_openKind != kind)
        {
            Open(kind, kind == Kind.Text
                ? new JsonObject { ["type"] = "text", ["text"] = "" }
                : new JsonObject { ["type"] = "thinking", ["thinking"] = "", ["signature"] = "" }, output);
        }

        _outputCharacters += value.Length;
        output.Add(CanonicalEvents.Delta(_openBlock, deltaType, field, value));
    }

    private void ToolCallDelta(JsonNode? call, List<SseEvent> output)
    {
        int? index = JsonNodes.TryLong(call?["index"], out var i) ? (int)i : null;
        var id = JsonNodes.Str(call?["id"]) is { Length: > 0 } given ? given : null;
        var tool = index is { } k
            ? _byIndex.GetValueOrDefault(k) is { } known && (id is null || id == known.Id) ? known : null
            : id is not null ? _byId.GetValueOrDefault(id) : _lastTool;
        if (tool is null)
        {
            id ??= $"toolu_{messageId}_{_byId.Count}";
            var name = JsonNodes.Str(call?["function"]?["name"]) ?? "";
            Open(Kind.Tool, new JsonObject
            {
                ["type"] = "tool_use",
                ["id"] = id,
                ["name"] = toolNames?.ToOriginal(name) ?? name,
                ["input"] = new JsonObject(),
            }, output);
            tool = new ToolCall(id, _openBlock);
            _byId[id] = tool;
            if (index is { } slot)
            {
                _byIndex[slot] = tool;
            }
        }

        _lastTool = tool;
        if (JsonNodes.Str(call?["function"]?["arguments"]) is { Length: > 0 } fragment)
        {
            // A fragment for a call whose block already closed (interleaved parallel calls, rare) still goes to its
            // own index: the SDKs accumulate by index.
            _outputCharacters += fragment.Length;
            output.Add(CanonicalEvents.Delta(tool.Block, "input_json_delta", "partial_json", fragment));
        }
    }

    private void Open(Kind kind, JsonObject block, List<SseEvent> output)
    {
        Close(output);
        _openBlock = _nextBlock++;
        _openKind = kind;
        output.Add(CanonicalEvents.BlockStart(_openBlock, block));
    }

    private void Close(List<SseEvent> output)
    {
        if (_openKind == Kind.None)
        {
            return;
        }

        if (_openKind == Kind.Thinking)
        {
            output.Add(CanonicalEvents.Delta(_openBlock, "signature_delta", "signature", SyntheticThinking.Signature));
        }

        output.Add(CanonicalEvents.BlockStop(_openBlock));
        _openKind = Kind.None;
    }

    private sealed record ToolCall(string Id, int Block);
}
