using System.Buffers;
using System.Text;
using System.Text.Json;
using OrProject.Contracts.Messaging;

namespace OrProject.Protocols.Anthropic;

/// <summary>
/// Watches a canonical event stream for what billing needs: the usage of <c>message_start</c> and the cumulative
/// usage of every <c>message_delta</c>, the stop reason, and whether the stream ended properly.
/// Only those two event types are parsed; deltas pass untouched.
/// </summary>
public sealed class StreamObserver
{
    private long _input;
    private long _output;
    private long _cacheCreation;
    private long _cacheRead;
    private long _cacheCreation1h;
    private long _webSearches;

    public string? StopReason { get; private set; }

    public string? MessageId { get; private set; }

    /// <summary>The model that served the request, as <c>message_start</c> names it.</summary>
    public string? Model { get; private set; }

    public bool Started { get; private set; }

    public bool Stopped { get; private set; }

    /// <summary>Output text or argument characters seen, for an estimate when the upstream died before reporting usage.</summary>
    public long OutputCharacters { get; private set; }

    public TokenUsage Usage => new(_input, _output, _cacheCreation, _cacheRead, _cacheCreation1h, _webSearches);

    public void Observe(SseEvent item)
    {
        switch (item.Event)
        {
            case "message_start":
            {
                Started = true;
                using var doc = JsonDocument.Parse(item.Data);
                if (doc.RootElement.TryGetProperty("message", out var message))
                {
                    MessageId = message.TryGetProperty("id", out var id) ? id.GetString() : null;
                    Model = message.TryGetProperty("model", out var model) && model.ValueKind == JsonValueKind.String ? model.GetString() : null;
                    if (message.TryGetProperty("usage", out var usage))
                    {
                        ReadUsage(usage);
                    }
                }

                break;
            }
            case "message_delta":
            {
                using var doc = JsonDocument.Parse(item.Data);
                if (doc.RootElement.TryGetProperty("delta", out var delta) &&
                    delta.TryGetProperty("stop_reason", out var stop) && stop.ValueKind == JsonValueKind.String)
                {
                    StopReason = stop.GetString();
                }

                if (doc.RootElement.TryGetProperty("usage", out var usage))
                {
                    ReadUsage(usage);
                }

                break;
            }
            case "content_block_delta":
                OutputCharacters += DeltaLength(item.Data);
                break;
            case "message_stop":
                Stopped = true;
                break;
            default:
                break;
        }
    }

    /// <summary>
    /// Usage for a stream cut short: what the upstream reported, but never less output than the characters seen
    /// (about four per token) — a cut stream is charged for what was observed, never zero.
    /// </summary>
    public TokenUsage ObservedUsage()
    {
        var estimated = TokenEstimator.FromCharacters(OutputCharacters);
        return Usage with { OutputTokens = Math.Max(_output, estimated) };
    }

    /// <summary>
    /// Characters of a delta's text, argument JSON or thinking. Every delta of every stream passes here, on the worker
    /// and on the edge, so it reads forward without building a document (and still rejects malformed JSON).
    /// </summary>
    private static int DeltaLength(string data)
    {
        var max = Encoding.UTF8.GetMaxByteCount(data.Length);
        byte[]? rented = null;
        var buffer = max <= 1024 ? stackalloc byte[1024] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var reader = new Utf8JsonReader(buffer[..Encoding.UTF8.GetBytes(data, buffer)]);
            var length = 0;
            var inDelta = false;
            while (reader.Read())
            {
                if (reader is { TokenType: JsonTokenType.PropertyName, CurrentDepth: 1 })
                {
                    inDelta = reader.ValueTextEquals("delta"u8);
                }
                else if (inDelta && reader is { TokenType: JsonTokenType.PropertyName, CurrentDepth: 2 } &&
                    (reader.ValueTextEquals("text"u8) || reader.ValueTextEquals("partial_json"u8) || reader.ValueTextEquals("thinking"u8)))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String && length == 0)
                    {
                        length = reader.ValueIsEscaped ? reader.GetString()!.Length : Encoding.UTF8.GetCharCount(reader.ValueSpan);
                    }
                }
            }

            return length;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private void ReadUsage(JsonElement usage)
    {
        // Values are cumulative: a later report replaces an earlier one; absent or null fields keep theirs.
        _input = Read(usage, "input_tokens", _input);
        _output = Read(usage, "output_tokens", _output);
        _cacheCreation = Read(usage, "cache_creation_input_tokens", _cacheCreation);
        _cacheRead = Read(usage, "cache_read_input_tokens", _cacheRead);

        // The 1-hour share of the cache writes and the searches sit in nested objects (null when not applicable).
        if (usage.TryGetProperty("cache_creation", out var creation) && creation.ValueKind == JsonValueKind.Object)
        {
            _cacheCreation1h = Read(creation, "ephemeral_1h_input_tokens", _cacheCreation1h);
        }

        if (usage.TryGetProperty("server_tool_use", out var tools) && tools.ValueKind == JsonValueKind.Object)
        {
            _webSearches = Read(tools, "web_search_requests", _webSearches);
        }
    }

    private static long Read(JsonElement usage, string name, long current) =>
        usage.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : current;
}
