using System.Text;

namespace OrProject.EndToEnd.Tests;

/// <summary>One server-sent event as it crossed the wire: its name and its data line's exact UTF-8 bytes.</summary>
public sealed record SseFrame(string Event, byte[] Data)
{
    public string DataText => Encoding.UTF8.GetString(Data);

    public static SseFrame Of(string name, string data) => new(name, Encoding.UTF8.GetBytes(data));
}

/// <summary>A raw SSE reader for tests: the bytes as received, split on the blank line, never re-encoded.</summary>
public static class Sse
{
    public static IReadOnlyList<SseFrame> Parse(byte[] body)
    {
        var frames = new List<SseFrame>();
        string? name = null;
        byte[]? data = null;
        var start = 0;
        for (var i = 0; i <= body.Length; i++)
        {
            if (i < body.Length && body[i] != (byte)'\n')
            {
                continue;
            }

            var line = body.AsSpan(start, i - start);
            start = i + 1;
            if (line.IsEmpty)
            {
                if (name is not null || data is not null)
                {
                    frames.Add(new SseFrame(name ?? "message", data ?? []));
                }

                name = null;
                data = null;
            }
            else if (line.StartsWith("event: "u8))
            {
                name = Encoding.UTF8.GetString(line[7..]);
            }
            else if (line.StartsWith("data: "u8))
            {
                // Multi-line data joins with \n, as the SSE grammar says.
                data = data is null ? line[6..].ToArray() : [.. data, (byte)'\n', .. line[6..]];
            }
        }

        return frames;
    }

    /// <summary>
    /// Reads a stream frame by frame as it flows, handing each to <paramref name="onFrame"/>; the whole body's bytes
    /// are returned at the end.
    /// </summary>
    public static async Task<byte[]> ReadAsync(HttpResponseMessage response, Func<SseFrame, Task>? onFrame = null,
        CancellationToken cancellationToken = default)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var all = new MemoryStream();
        var buffer = new byte[4096];
        var consumed = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
        {
            all.Write(buffer, 0, read);
            if (onFrame is null)
            {
                continue;
            }

            var bytes = all.GetBuffer().AsMemory(0, (int)all.Length);
            int end;
            while ((end = bytes.Span[consumed..].IndexOf("\n\n"u8)) >= 0)
            {
                foreach (var frame in Parse(bytes.Span.Slice(consumed, end + 2).ToArray()))
                {
                    await onFrame(frame);
                }

                consumed += end + 2;
            }
        }

        return all.ToArray();
    }
}
