using System.Text.Json;

namespace OrProject.Bench.Simulator;

/// <summary>
/// A fast Anthropic-format upstream on 127.0.0.1: <c>POST /v1/messages</c> streams <see cref="SimulatedMessage"/>
/// (each event written and flushed on its own, as a real upstream's tokens arrive, by default with no pause between
/// them) or answers one JSON body when <c>stream</c> is not true. The seed is the number in the first user message
/// (<c>"bench 42"</c>), so the load tool knows every byte to expect. A message <c>"bench 42 100x20"</c> asks for 100
/// deltas 20 ms apart instead (the long-stream scenario): the pacing rides in the message text because that is the
/// one part of the request every gateway passes on untouched, where a header or an extra body field might be dropped.
/// </summary>
internal static class SimulatorServer
{
    public static async Task<int> RunAsync(BenchArgs args)
    {
        var port = args.Int("port", 8479);
        var deltas = args.Int("deltas", 50);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.WebHost.ConfigureKestrel(k => k.AddServerHeader = false);
        var app = builder.Build();
        app.MapGet("/health", () => "ok");
        app.MapPost("/v1/messages", context => AnswerAsync(context, deltas));
        await app.StartAsync();
        Console.WriteLine($"simulator: listening on http://127.0.0.1:{port} ({deltas} text deltas a stream)");
        await app.WaitForShutdownAsync();
        return 0;
    }

    private static async Task AnswerAsync(HttpContext context, int deltas)
    {
        var (seed, model, stream, pace) = await ReadRequestAsync(context);
        var message = SimulatedMessage.Create(seed, model, pace?.Deltas ?? deltas);
        var response = context.Response;
        response.Headers["request-id"] = "req_sim_" + message.Id[10..];
        if (!stream)
        {
            response.ContentType = "application/json";
            await response.Body.WriteAsync(message.ToJson(), context.RequestAborted);
            return;
        }

        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        var writer = response.BodyWriter;
        var start = 0;
        var names = message.EventNames;
        for (var i = 0; i < message.EventEnds.Length; i++)
        {
            // Paced: each text delta after the first waits its turn, as a model's tokens do.
            if (pace is { } p && p.GapMs > 0 && names[i] == "content_block_delta" && i > 0 && names[i - 1] == "content_block_delta")
            {
                await Task.Delay(p.GapMs, context.RequestAborted);
            }

            var end = message.EventEnds[i];
            await writer.WriteAsync(message.Sse.AsMemory(start, end - start), context.RequestAborted);
            start = end;
        }
    }

    /// <summary>Reads <c>"100x20"</c> (deltas x milliseconds apart) after the seed; null when absent or malformed.</summary>
    public static Pace? ParsePace(ReadOnlySpan<char> text)
    {
        var x = text.IndexOf('x');
        return x > 0 && int.TryParse(text[..x], System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0 &&
               int.TryParse(text[(x + 1)..], System.Globalization.CultureInfo.InvariantCulture, out var ms) && ms >= 0
            ? new Pace(n, ms)
            : null;
    }

    private static async Task<(long Seed, string Model, bool Stream, Pace? Pace)> ReadRequestAsync(HttpContext context)
    {
        using var doc = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        var root = doc.RootElement;
        var model = root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "claude-sonnet-4-5";
        var stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        long seed = 0;
        Pace? pace = null;
        if (root.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array && messages.GetArrayLength() > 0 &&
            messages[0].TryGetProperty("content", out var content))
        {
            var text = content.ValueKind switch
            {
                JsonValueKind.String => content.GetString(),
                JsonValueKind.Array when content.GetArrayLength() > 0 && content[0].TryGetProperty("text", out var t) => t.GetString(),
                _ => null,
            };
            if (text is not null && text.StartsWith("bench ", StringComparison.Ordinal))
            {
                var rest = text.AsSpan(6);
                var space = rest.IndexOf(' ');
                if (space > 0)
                {
                    pace = ParsePace(rest[(space + 1)..]);
                    rest = rest[..space];
                }

                _ = long.TryParse(rest, System.Globalization.CultureInfo.InvariantCulture, out seed);
            }
        }

        return (seed, model, stream, pace);
    }
}

/// <summary>A paced stream: <paramref name="Deltas"/> text deltas, <paramref name="GapMs"/> milliseconds apart.</summary>
internal readonly record struct Pace(int Deltas, int GapMs);
