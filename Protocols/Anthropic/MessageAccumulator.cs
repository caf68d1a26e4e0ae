using System.Text;
using System.Text.Json.Nodes;
using OrProject.Contracts.Messaging;

namespace OrProject.Protocols.Anthropic;

/// <summary>
/// Folds a canonical event stream into the non-streaming Messages API response, the way the official SDKs'
/// <c>accumulate_event</c> does: deltas apply to <c>content[index]</c>, tool input is rebuilt from the concatenated
/// <c>input_json_delta</c> fragments only, and <c>message_delta</c> usage is cumulative.
/// </summary>
public sealed class MessageAccumulator
{
    private readonly List<JsonObject?> _blocks = [];
    // The text being accumulated for each open block, and the block field it goes to (text, thinking, …).
    private readonly Dictionary<int, (string Field, StringBuilder Text)> _text = [];
    private readonly Dictionary<int, StringBuilder> _json = [];
    private JsonObject? _message;

    /// <summary>The <c>error</c> event's payload, when the stream ended with one.</summary>
    public JsonObject? Error { get; private set; }

    public bool Started => _message is not null;

    public void Add(SseEvent item)
    {
        switch (item.Event)
        {
            case "message_start":
                _message = Detach(JsonNode.Parse(item.Data)?["message"]);
                break;
            case "content_block_start":
                Start(JsonNode.Parse(item.Data)!.AsObject());
                break;
            case "content_block_delta":
                Delta(JsonNode.Parse(item.Data)!.AsObject());
                break;
            case "content_block_stop":
                Stop((int?)JsonNode.Parse(item.Data)?["index"] ?? -1);
                break;
            case "message_delta":
                MessageDelta(JsonNode.Parse(item.Data)!.AsObject());
                break;
            case "error":
                Error = Detach(JsonNode.Parse(item.Data)?["error"]);
                break;
            default:
                break; // ping, message_stop and event types newer than this code
        }
    }

    /// <summary>The message as the non-streaming API returns it.</summary>
    public JsonObject ToMessage()
    {
        var message = _message ?? throw new InvalidOperationException("The stream had no message_start.");
        for (var i = 0; i < _blocks.Count; i++)
        {
            Stop(i);
        }

        var content = new JsonArray();
        foreach (var block in _blocks)
        {
            if (block is not null)
            {
                content.Add(block);
            }
        }

        _blocks.Clear();
        message["content"] = content;
        return message;
    }

    private void Start(JsonObject data)
    {
        var index = (int)data["index"]!;
        while (_blocks.Count <= index)
        {
            _blocks.Add(null);
        }

        var block = Detach(data["content_block"]) ?? [];
        _blocks[index] = block;
        var type = (string?)block["type"];
        if (type is "tool_use" or "server_tool_use" or "mcp_tool_use")
        {
            _json[index] = new StringBuilder();
        }
    }

    private void Delta(JsonObject data)
    {
        var index = (int)data["index"]!;
        if (index < 0 || index >= _blocks.Count || _blocks[index] is not { } block || data["delta"] is not JsonObject delta)
        {
            return;
        }

        switch ((string?)delta["type"])
        {
            case "text_delta":
                Text(index, "text").Append((string?)delta["text"]);
                break;
            case "thinking_delta":
                Text(index, "thinking").Append((string?)delta["thinking"]);
                break;
            case "input_json_delta":
                if (_json.TryGetValue(index, out var json))
                {
                    json.Append((string?)delta["partial_json"]);
                }

                break;
            case "signature_delta":
                block["signature"] = (string?)delta["signature"];
                break;
            case "citations_delta":
                if (block["citations"] is not JsonArray citations)
                {
                    block["citations"] = citations = [];
                }

                citations.Add(Detach(delta["citation"]));
                break;
            default:
                break;
        }
    }

    private StringBuilder Text(int index, string field)
    {
        if (!_text.TryGetValue(index, out var open))
        {
            _text[index] = open = (field, new StringBuilder((string?)_blocks[index]![field] ?? ""));
        }

        return open.Text;
    }

    private void Stop(int index)
    {
        if (index < 0 || index >= _blocks.Count || _blocks[index] is not { } block)
        {
            return;
        }

        if (_text.Remove(index, out var open))
        {
            block[open.Field] = open.Text.ToString();
        }

        if (_json.Remove(index, out var json))
        {
            // Only the concatenated input_json_delta fragments count; the start event's input is a placeholder.
            // A stream cut inside a tool call leaves invalid JSON: the call's input is then empty, not an exception.
            block["input"] = ParseInput(json.ToString());
        }
    }

    private void MessageDelta(JsonObject data)
    {
        if (_message is null)
        {
            return;
        }

        if (data["delta"] is JsonObject delta)
        {
            foreach (var (name, value) in delta.ToArray())
            {
                _message[name] = value?.DeepClone();
            }
        }

        if (data["usage"] is JsonObject usage)
        {
            if (_message["usage"] is not JsonObject total)
            {
                _message["usage"] = total = [];
            }

            foreach (var (name, value) in usage.ToArray())
            {
                if (value is not null)
                {
                    total[name] = value.DeepClone();
                }
            }
        }
    }

    private static JsonNode ParseInput(string json)
    {
        try
        {
            return json.Length == 0 ? new JsonObject() : JsonNode.Parse(json) ?? new JsonObject();
        }
        catch (System.Text.Json.JsonException)
        {
            return new JsonObject();
        }
    }

    private static JsonObject? Detach(JsonNode? node) => node?.DeepClone() as JsonObject;
}
