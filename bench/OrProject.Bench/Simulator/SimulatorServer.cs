using System.Text.Json;

namespace OrProject.Bench.Simulator;

/// <summary>
/// A fast Anthropic-format upstream on 127.0.0.1: <c>POST /v1/messages</c> streams <see cref="SimulatedMessage"/>
/// (each event written and flushed on its own, as a real upstream's tokens arrive, but with no pause between them)
/// or answers one JSON body when <c>stream</c> is not true. The seed is the number in the first user message
/// (<c>"bench 42"</c>), so the load tool knows every byte to expect.
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
        var (seed, model, stream) = await ReadRequestAsync(context);
        var message = SimulatedMessage.Create(seed, model, deltas);
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
        foreach (var end in message.EventEnds)
        {
            await writer.WriteAsync(message.Sse.AsMemory(start, end - start), context.RequestAborted);
            start = end;
        }
    }

    private static async Task<(long Seed, string Model, bool Stream)> ReadRequestAsync(HttpContext context)
    {
        using var doc = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        var root = doc.RootElement;
        var model = root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "claude-sonnet-4-5";
        var stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        long seed = 0;
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
                _ = long.TryParse(text.AsSpan(6), System.Globalization.CultureInfo.InvariantCulture, out seed);
            }
        }

        return (seed, model, stream);
    }
}
