using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace OrProject.Bench.Simulator;

/// <summary>
/// The answer the simulator gives to one request, a pure function of the request's seed, model and delta count, so
/// that the load tool can compute the exact bytes it must receive: Anthropic's event grammar (<c>message_start</c>
/// with usage, <c>content_block_start</c>, <c>ping</c>, N <c>text_delta</c>s, <c>content_block_stop</c>,
/// <c>message_delta</c> with usage, <c>message_stop</c>) written as <c>event: NAME\ndata: JSON\n\n</c>. The text mixes
/// multi-byte UTF-8, escapes and the seed itself, so a mangled, reordered or crossed stream cannot pass for a good one.
/// </summary>
internal sealed class SimulatedMessage
{
    public const int InputTokens = 12;

    private static readonly string[] Vocabulary =
    [
        " the", " gateway", " streams", " every", " token", ",", " café", " naïve", " 日本語", " \"quoted\"",
        " back\\slash", " rocket 🚀", "\n", " tab\t", " <b>&amp;</b>", " Ωμέγα", ".", " zero-width\u200b", " done",
    ];

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private SimulatedMessage(string id, string model, string text, byte[] sse, int[] eventEnds, string[] eventNames, int deltas)
    {
        Id = id;
        Model = model;
        Text = text;
        Sse = sse;
        EventEnds = eventEnds;
        EventNames = eventNames;
        Deltas = deltas;
    }

    public string Id { get; }

    public string Model { get; }

    /// <summary>The whole text, the deltas concatenated.</summary>
    public string Text { get; }

    /// <summary>The complete SSE body, byte for byte.</summary>
    public byte[] Sse { get; }

    /// <summary>End offset of each event in <see cref="Sse"/> (the simulator flushes after each).</summary>
    public int[] EventEnds { get; }

    public string[] EventNames { get; }

    public int Deltas { get; }

    public static SimulatedMessage Create(long seed, string model, int deltas)
    {
        var id = $"msg_bench_{seed:x12}";
        var parts = new string[deltas];
        for (var i = 0; i < deltas; i++)
        {
            parts[i] = i == 0 ? $"[{seed}]" : Vocabulary[(int)((seed + (i * 7)) % Vocabulary.Length)];
        }

        var buffer = new ArrayBufferWriter<byte>(512 + (deltas * 96));
        var ends = new List<int>(deltas + 6);
        var names = new List<string>(deltas + 6);

        Event(buffer, ends, names, "message_start", w =>
        {
            w.WriteString("type", "message_start");
            w.WriteStartObject("message");
            w.WriteString("id", id);
            w.WriteString("type", "message");
            w.WriteString("role", "assistant");
            w.WriteString("model", model);
            w.WriteStartArray("content");
            w.WriteEndArray();
            w.WriteNull("stop_reason");
            w.WriteNull("stop_sequence");
            w.WriteStartObject("usage");
            w.WriteNumber("input_tokens", InputTokens);
            w.WriteNumber("cache_creation_input_tokens", 0);
            w.WriteNumber("cache_read_input_tokens", 0);
            w.WriteNumber("output_tokens", 1);
            w.WriteEndObject();
            w.WriteEndObject();
        });
        Event(buffer, ends, names, "content_block_start", w =>
        {
            w.WriteString("type", "content_block_start");
            w.WriteNumber("index", 0);
            w.WriteStartObject("content_block");
            w.WriteString("type", "text");
            w.WriteString("text", "");
            w.WriteEndObject();
        });
        Event(buffer, ends, names, "ping", w => w.WriteString("type", "ping"));
        foreach (var part in parts)
        {
            Event(buffer, ends, names, "content_block_delta", w =>
            {
                w.WriteString("type", "content_block_delta");
                w.WriteNumber("index", 0);
                w.WriteStartObject("delta");
                w.WriteString("type", "text_delta");
                w.WriteString("text", part);
                w.WriteEndObject();
            });
        }

        Event(buffer, ends, names, "content_block_stop", w =>
        {
            w.WriteString("type", "content_block_stop");
            w.WriteNumber("index", 0);
        });
        Event(buffer, ends, names, "message_delta", w =>
        {
            w.WriteString("type", "message_delta");
            w.WriteStartObject("delta");
            w.WriteString("stop_reason", "end_turn");
            w.WriteNull("stop_sequence");
            w.WriteEndObject();
            w.WriteStartObject("usage");
            w.WriteNumber("output_tokens", deltas);
            w.WriteEndObject();
        });
        Event(buffer, ends, names, "message_stop", w => w.WriteString("type", "message_stop"));

        return new SimulatedMessage(id, model, string.Concat(parts), buffer.WrittenSpan.ToArray(), [.. ends], [.. names], deltas);
    }

    /// <summary>The non-streaming answer: one Messages API JSON body with the same text.</summary>
    public byte[] ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>(Text.Length + 512);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("id", Id);
            w.WriteString("type", "message");
            w.WriteString("role", "assistant");
            w.WriteString("model", Model);
            w.WriteStartArray("content");
            w.WriteStartObject();
            w.WriteString("type", "text");
            w.WriteString("text", Text);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteString("stop_reason", "end_turn");
            w.WriteNull("stop_sequence");
            w.WriteStartObject("usage");
            w.WriteNumber("input_tokens", InputTokens);
            w.WriteNumber("cache_creation_input_tokens", 0);
            w.WriteNumber("cache_read_input_tokens", 0);
            w.WriteNumber("output_tokens", Deltas);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void Event(ArrayBufferWriter<byte> buffer, List<int> ends, List<string> names, string name, Action<Utf8JsonWriter> data)
    {
        Encoding.UTF8.GetBytes("event: " + name + "\ndata: ", buffer);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            data(w);
            w.WriteEndObject();
        }

        "\n\n"u8.CopyTo(buffer.GetSpan(2));
        buffer.Advance(2);
        ends.Add(buffer.WrittenCount);
        names.Add(name);
    }
}
