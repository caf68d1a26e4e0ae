using System.Buffers;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using OrProject.Bench.Simulator;

namespace OrProject.Bench.Load;

/// <summary>
/// Where requests go: the simulator itself (<c>direct</c>), the gateway in front of it with a key, or the peer gateway
/// (<c>portkey</c>) with the headers that tell it which provider and host to forward to.
/// </summary>
/// <summary>
/// Where a scenario sends its requests. <see cref="Key"/> is the key every request sends; a comma-separated list spreads
/// the requests over those keys in turn (the ledger's writes for many keys at once).
/// </summary>
internal sealed record Target(string Name, Uri BaseAddress, string? Key, IReadOnlyList<KeyValuePair<string, string>>? Headers = null)
{
    private string[] _keys = Split(Key);
    private int _next = -1;

    public string? Key
    {
        get;
        init
        {
            field = value;
            _keys = Split(value);
        }
    } = Key;

    public Uri Messages { get; } = new(BaseAddress, "v1/messages");

    /// <summary>The key for the next request (none for a target that takes none).</summary>
    public string? NextKey() => _keys.Length switch
    {
        0 => null,
        1 => _keys[0],
        _ => _keys[(int)((uint)Interlocked.Increment(ref _next) % (uint)_keys.Length)],
    };

    private static string[] Split(string? keys) => keys?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
}

/// <summary>How a response compared with what the simulator sent for the same request.</summary>
internal enum Fidelity
{
    /// <summary>The request failed before a body could be compared.</summary>
    NotChecked,

    /// <summary>Every byte, in order.</summary>
    Exact,

    /// <summary>Same events in the same order and the same text, but the bytes differ (re-encoded somewhere).</summary>
    SameContent,

    /// <summary>Missing, extra, reordered or altered events or text.</summary>
    Broken,
}

/// <summary>
/// One request's outcome. Times in milliseconds from just before the request was sent; <paramref name="MaxGapMs"/> is
/// the longest wait between two reads that brought text deltas (NaN for a plain request).
/// </summary>
internal readonly record struct Sample(bool Done, bool Ok, double FirstTokenMs, double TotalMs, Fidelity Fidelity, string? Error,
    double MaxGapMs = double.NaN);

/// <summary>
/// Sends one Messages request and times it: for a stream, the first <c>content_block_delta</c> byte (time to first
/// token) and the last byte; for a plain request, the whole answer. Every body is checked against
/// <see cref="SimulatedMessage"/> for the same seed.
/// </summary>
internal sealed class Requests(HttpClient http, string model, int deltas, TimeSpan timeout, int contextKb = 0)
{
    private readonly string _system = Context(contextKb);

    private static readonly byte[] FirstDeltaMarker = "event: content_block_delta\n"u8.ToArray();
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _answered = new();
    private long _seed = DateTimeOffset.UtcNow.ToUnixTimeSeconds() * 100_000;

    public long NextSeed() => Interlocked.Increment(ref _seed);

    /// <summary>Requests the target answered with 200 so far (each of them must be charged once).</summary>
    public long Answered(string target) => _answered.GetValueOrDefault(target);

    public async Task<Sample> SendAsync(Target target, bool stream, CancellationToken cancellationToken, Pace? pace = null)
    {
        var seed = NextSeed();
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        var ct = timeoutSource.Token;
        using var request = new HttpRequestMessage(HttpMethod.Post, target.Messages) { Content = new ByteArrayContent(Body(seed, stream, pace)) };
        request.Content.Headers.ContentType = JsonType;
        request.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
        if (target.NextKey() is { } key)
        {
            request.Headers.TryAddWithoutValidation("x-api-key", key);
        }

        foreach (var (name, value) in target.Headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        var start = Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            await using var body = await response.Content.ReadAsStreamAsync(ct);
            var length = 0;
            long first = 0;
            long lastDelta = 0;
            long maxGap = 0;
            while (true)
            {
                if (length == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                var read = await body.ReadAsync(buffer.AsMemory(length), ct);
                if (read == 0)
                {
                    break;
                }

                if (stream)
                {
                    // A read that brings the start of a text delta: the first one is the first token, and the longest
                    // wait between two of them is the stream's worst stall (what a reader of a long answer notices).
                    var from = Math.Max(0, length - FirstDeltaMarker.Length + 1);
                    if (buffer.AsSpan(from, length + read - from).IndexOf(FirstDeltaMarker) >= 0)
                    {
                        var now = Stopwatch.GetTimestamp();
                        if (first == 0)
                        {
                            first = now;
                        }
                        else
                        {
                            maxGap = Math.Max(maxGap, now - lastDelta);
                        }

                        lastDelta = now;
                    }
                }

                length += read;
            }

            var end = Stopwatch.GetTimestamp();
            var total = Stopwatch.GetElapsedTime(start, end).TotalMilliseconds;
            var firstMs = first == 0 ? double.NaN : Stopwatch.GetElapsedTime(start, first).TotalMilliseconds;
            var received = buffer.AsSpan(0, length);
            if (!response.IsSuccessStatusCode)
            {
                return new Sample(true, false, firstMs, total, Fidelity.NotChecked,
                    $"HTTP {(int)response.StatusCode}: {Truncate(Encoding.UTF8.GetString(received))}");
            }

            _answered.AddOrUpdate(target.Name, 1, (_, n) => n + 1);
            var expected = SimulatedMessage.Create(seed, model, pace?.Deltas ?? deltas);
            var fidelity = stream ? CompareStream(received, expected) : ComparePlain(received, expected);
            var gapMs = stream ? Stopwatch.GetElapsedTime(0, maxGap).TotalMilliseconds : double.NaN;
            return new Sample(true, fidelity != Fidelity.Broken, firstMs, total, fidelity,
                fidelity == Fidelity.Broken ? "stream fidelity: the body differs from what the simulator sent" : null, gapMs);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return default; // the scenario's time cap: not counted
            }

            var total = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            var error = ex is OperationCanceledException ? $"timed out after {timeout.TotalSeconds:0} s" : $"{ex.GetType().Name}: {ex.Message}";
            return new Sample(true, false, double.NaN, total, Fidelity.NotChecked, error);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private byte[] Body(long seed, bool stream, Pace? pace) => Encoding.UTF8.GetBytes(
        $$"""{"model":"{{model}}","max_tokens":1024,"stream":{{(stream ? "true" : "false")}},{{_system}}"messages":[{"role":"user","content":"bench {{seed}}{{(pace is { } p ? $" {p.Deltas}x{p.GapMs}" : "")}}"}]}""");

    /// <summary>
    /// A system prompt of about <paramref name="kb"/> KiB (none for 0), as a coding agent sends its instructions and
    /// files: prose and code with quotes, backslashes and line breaks, which every JSON step on the way escapes again.
    /// </summary>
    private static string Context(int kb)
    {
        if (kb <= 0)
        {
            return "";
        }

        const string Paragraph = "You are a coding agent. When the user says \"run the tests\", call the `Bash` tool with " +
            "`dotnet test` and report failures.\nfunction f(a, b) {\n  return a.replace(/\\s+/g, \"\") + b; // \u00e9t\u00e9\n}\n";
        var text = new StringBuilder(kb * 1024 + Paragraph.Length);
        while (text.Length < kb * 1024)
        {
            text.Append(Paragraph);
        }

        return "\"system\":" + JsonSerializer.Serialize(text.ToString()) + ",";
    }

    private static Fidelity CompareStream(ReadOnlySpan<byte> received, SimulatedMessage expected)
    {
        if (received.SequenceEqual(expected.Sse))
        {
            return Fidelity.Exact;
        }

        // Not byte-identical: say whether at least the events and the text survived (for the report's diagnosis).
        try
        {
            var names = new List<string>();
            var text = new StringBuilder();
            foreach (var block in Encoding.UTF8.GetString(received).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
            {
                string? name = null;
                string? data = null;
                foreach (var line in block.Split('\n'))
                {
                    if (line.StartsWith("event: ", StringComparison.Ordinal))
                    {
                        name = line[7..];
                    }
                    else if (line.StartsWith("data: ", StringComparison.Ordinal))
                    {
                        data = line[6..];
                    }
                }

                names.Add(name ?? "");
                if (name == "content_block_delta" && data is not null)
                {
                    using var doc = JsonDocument.Parse(data);
                    text.Append(doc.RootElement.GetProperty("delta").GetProperty("text").GetString());
                }
            }

            return names.SequenceEqual(expected.EventNames) && text.ToString() == expected.Text ? Fidelity.SameContent : Fidelity.Broken;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return Fidelity.Broken;
        }
    }

    private static Fidelity ComparePlain(ReadOnlySpan<byte> received, SimulatedMessage expected)
    {
        try
        {
            var reader = new Utf8JsonReader(received);
            using var doc = JsonDocument.ParseValue(ref reader);
            var content = doc.RootElement.GetProperty("content");
            var text = string.Concat(content.EnumerateArray().Select(b => b.TryGetProperty("text", out var t) ? t.GetString() : ""));
            return text == expected.Text ? Fidelity.Exact : Fidelity.Broken;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return Fidelity.Broken;
        }
    }

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
