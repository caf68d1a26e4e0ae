using System.Text;
using OrProject.Contracts.Messaging;

namespace OrProject.Protocols.Streaming;

/// <summary>
/// Writes server-sent events byte-exactly: <c>event: NAME\ndata: JSON\n\n</c>. Both official SDKs dispatch on the
/// <c>event:</c> line, so it is always written for named events; a data payload with line breaks is split into
/// several <c>data:</c> lines as the SSE grammar requires.
/// </summary>
public static class SseFormat
{
    /// <summary>Appends one event to <paramref name="builder"/>.</summary>
    public static void Append(StringBuilder builder, string? eventName, string data)
    {
        if (!string.IsNullOrEmpty(eventName))
        {
            builder.Append("event: ").Append(eventName).Append('\n');
        }

        if (data.Contains('\n', StringComparison.Ordinal) || data.Contains('\r', StringComparison.Ordinal))
        {
            foreach (var line in data.ReplaceLineEndings("\n").Split('\n'))
            {
                builder.Append("data: ").Append(line).Append('\n');
            }
        }
        else
        {
            builder.Append("data: ").Append(data).Append('\n');
        }

        builder.Append('\n');
    }

    /// <summary>Encodes a batch of events as UTF-8, ready to write and flush in one go.</summary>
    public static byte[] Encode(IEnumerable<SseEvent> events)
    {
        var builder = new StringBuilder();
        foreach (var e in events)
        {
            Append(builder, e.Event, e.Data);
        }

        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    /// <summary>Encodes a data-only event (OpenAI's grammar: no <c>event:</c> line).</summary>
    public static byte[] EncodeData(string data)
    {
        var builder = new StringBuilder();
        Append(builder, null, data);
        return Encoding.UTF8.GetBytes(builder.ToString());
    }
}
