using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using OrProject.Contracts.Messaging;

namespace OrProject.Worker.Upstreams;

public sealed class SimulatorOptions
{
    public const string Section = "Simulator";

    /// <summary>Pause between text deltas, to look like a model thinking; 0 answers as fast as possible.</summary>
    public int DelayMilliseconds { get; set; } = 15;
}

/// <summary>
/// The built-in offline upstream: answers every request with a short text in Anthropic's exact event grammar,
/// with usage estimated at four characters per token, so the whole system can be tried with no credentials.
/// </summary>
internal sealed class SimulatorUpstream(Microsoft.Extensions.Options.IOptions<SimulatorOptions> options) : IUpstreamAdapter
{
    public string Kind => "simulator";

    public Task<UpstreamResponse> SendAsync(UpstreamTarget target, DispatchGeneration request, CancellationToken cancellationToken) =>
        Task.FromResult(UpstreamResponse.Streaming(GenerateAsync(request, options.Value.DelayMilliseconds, cancellationToken)));

    private static async IAsyncEnumerable<SseEvent> GenerateAsync(DispatchGeneration request, int delay,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var canonical = request.CanonicalBody();
        var body = JsonNode.Parse(canonical)!.AsObject();
        var maxTokens = MaxTokens(body);
        var words = Reply(LastUserText(body)).Split(' ');
        var inputTokens = Math.Max(1, canonical.Length / 4);
        var id = "msg_sim_" + Guid.CreateVersion7().ToString("N");

        yield return Event("message_start", new JsonObject
        {
            ["type"] = "message_start",
            ["message"] = new JsonObject
            {
                ["id"] = id, ["type"] = "message", ["role"] = "assistant", ["model"] = request.Model,
                ["content"] = new JsonArray(), ["stop_reason"] = null, ["stop_sequence"] = null,
                ["usage"] = new JsonObject { ["input_tokens"] = inputTokens, ["output_tokens"] = 1 },
            },
        });
        if (maxTokens == 0)
        {
            yield return Stop("end_turn", 0);
            yield return new SseEvent("message_stop", """{"type":"message_stop"}""");
            yield break;
        }

        yield return new SseEvent("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""");
        yield return new SseEvent("ping", """{"type":"ping"}""");
        var produced = 0;
        foreach (var word in words.Take(maxTokens))
        {
            if (delay > 0)
            {
                await Task.Delay(delay, cancellationToken);
            }

            var text = produced == 0 ? word : " " + word;
            produced++;
            yield return Event("content_block_delta", new JsonObject
            {
                ["type"] = "content_block_delta", ["index"] = 0,
                ["delta"] = new JsonObject { ["type"] = "text_delta", ["text"] = text },
            });
        }

        yield return new SseEvent("content_block_stop", """{"type":"content_block_stop","index":0}""");
        yield return Stop(produced < words.Length ? "max_tokens" : "end_turn", produced);
        yield return new SseEvent("message_stop", """{"type":"message_stop"}""");
    }

    /// <summary>
    /// The request's <c>max_tokens</c>, clamped to what an <see cref="int"/> holds: the edge accepts any positive
    /// integer (a real upstream refuses what it cannot serve), and the reply is a few words long anyway.
    /// </summary>
    private static int MaxTokens(JsonObject body) =>
        body["max_tokens"] is JsonValue value && value.TryGetValue<long>(out var requested)
            ? (int)Math.Clamp(requested, 0, int.MaxValue)
            : 1024;

    private static string Reply(string? said) =>
        "Hello from the OrProject simulator: no upstream account is configured, so this answer was generated offline." +
        (string.IsNullOrWhiteSpace(said) ? "" : $" You said: {Shorten(said)}");

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "…";

    private static string? LastUserText(JsonObject body)
    {
        if (body["messages"] is not JsonArray messages)
        {
            return null;
        }

        for (var i = messages.Count - 1; i >= 0; i--)
        {
            if (messages[i] is JsonObject { } message && (string?)message["role"] == "user")
            {
                return message["content"] switch
                {
                    JsonValue value when value.TryGetValue<string>(out var text) => text,
                    JsonArray blocks => string.Join(" ", blocks.OfType<JsonObject>()
                        .Where(b => (string?)b["type"] == "text").Select(b => (string?)b["text"])),
                    _ => null,
                };
            }
        }

        return null;
    }

    private static SseEvent Stop(string reason, int outputTokens) => Event("message_delta", new JsonObject
    {
        ["type"] = "message_delta",
        ["delta"] = new JsonObject { ["stop_reason"] = reason, ["stop_sequence"] = null },
        ["usage"] = new JsonObject { ["output_tokens"] = outputTokens },
    });

    private static SseEvent Event(string name, JsonObject data) => new(name, data.ToJsonString(JsonOptions));

    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
