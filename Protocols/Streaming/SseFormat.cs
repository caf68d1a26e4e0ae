using System.Buffers;
using System.Text;
using OrProject.Contracts.Messaging;

namespace OrProject.Protocols.Streaming;

/// <summary>
/// Writes server-sent events byte-exactly: <c>event: NAME\ndata: JSON\n\n</c>. Both official SDKs dispatch on the
/// <c>event:</c> line, so it is always written for named events; a data payload with line breaks is split into
/// several <c>data:</c> lines as the SSE grammar requires.
/// </summary>
/// <remarks>
/// Events are encoded as UTF-8 straight into the writer they go out through (the response's pipe), one token at a
/// time on a long stream: no intermediate string or array per event (README.md, Performance).
/// </remarks>
public static class SseFormat
{
    private static readonly byte[] EventPrefix = "event: "u8.ToArray();
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();

    /// <summary>Writes one event to <paramref name="writer"/>; a null or empty name writes a data-only event (OpenAI's grammar).</summary>
    public static void Write(IBufferWriter<byte> writer, string? eventName, string data)
    {
        if (!string.IsNullOrEmpty(eventName))
        {
            writer.Write(EventPrefix);
            Encoding.UTF8.GetBytes(eventName, writer);
            NewLine(writer);
        }

        if (data.AsSpan().IndexOfAny('\n', '\r') >= 0)
        {
            foreach (var line in data.ReplaceLineEndings("\n").Split('\n'))
            {
                DataLine(writer, line);
            }
        }
        else
        {
            DataLine(writer, data);
        }

        NewLine(writer);
    }

    /// <summary>Writes a batch of events, ready to flush in one go.</summary>
    public static void Write(IBufferWriter<byte> writer, IEnumerable<SseEvent> events)
    {
        foreach (var e in events)
        {
            Write(writer, e.Event, e.Data);
        }
    }

    private static void DataLine(IBufferWriter<byte> writer, string line)
    {
        writer.Write(DataPrefix);
        Encoding.UTF8.GetBytes(line, writer);
        NewLine(writer);
    }

    private static void NewLine(IBufferWriter<byte> writer)
    {
        writer.GetSpan(1)[0] = (byte)'\n';
        writer.Advance(1);
    }
}
