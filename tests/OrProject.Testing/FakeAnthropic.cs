using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace OrProject.Testing;

/// <summary>Scripts for the fake upstream in Anthropic's wire format: event streams and error answers.</summary>
public static class FakeAnthropic
{
    public const string Model = "claude-sonnet-4-5-20250929";

    /// <summary>Writes named SSE events, flushing each, optionally pausing between them.</summary>
    public static async Task WriteEventsAsync(HttpContext context, IEnumerable<(string Event, object Data)> events, int delayMs = 0)
    {
        context.Response.ContentType = "text/event-stream; charset=utf-8";
        foreach (var (name, data) in events)
        {
            var json = data as string ?? JsonSerializer.Serialize(data);
            await context.Response.WriteAsync($"event: {name}\ndata: {json}\n\n", Encoding.UTF8, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            if (delayMs > 0)
            {
                await Task.Delay(delayMs, context.RequestAborted);
            }
        }
    }

    /// <summary>
    /// A text answer. <paramref name="cacheCreation"/> is every cache write, <paramref name="cacheCreation1h"/> the
    /// 1-hour share of it; <paramref name="webSearches"/> is reported in the final usage, as the real API does.
    /// </summary>
    public static Task WriteTextAsync(HttpContext context, IReadOnlyList<string> parts, long inputTokens = 25, long? outputTokens = null,
        long cacheCreation = 0, long cacheRead = 0, int delayMs = 0, long cacheCreation1h = 0, long webSearches = 0) =>
        WriteEventsAsync(context, TextStream(parts, inputTokens, outputTokens ?? parts.Count, cacheCreation, cacheRead, cacheCreation1h, webSearches), delayMs);

    public static IEnumerable<(string, object)> TextStream(IReadOnlyList<string> parts, long inputTokens, long outputTokens,
        long cacheCreation = 0, long cacheRead = 0, long cacheCreation1h = 0, long webSearches = 0)
    {
        yield return Start(inputTokens, cacheCreation, cacheRead, cacheCreation1h);
        yield return ("content_block_start", new { type = "content_block_start", index = 0, content_block = new { type = "text", text = "" } });
        yield return ("ping", new { type = "ping" });
        foreach (var part in parts)
        {
            yield return ("content_block_delta", new { type = "content_block_delta", index = 0, delta = new { type = "text_delta", text = part } });
        }

        yield return ("content_block_stop", new { type = "content_block_stop", index = 0 });
        foreach (var end in End("end_turn", outputTokens, webSearches))
        {
            yield return end;
        }
    }

    public static (string, object) Start(long inputTokens, long cacheCreation = 0, long cacheRead = 0, long cacheCreation1h = 0) =>
        ("message_start", new
        {
            type = "message_start",
            message = new
            {
                id = "msg_" + Guid.NewGuid().ToString("N"), type = "message", role = "assistant", model = Model,
                content = Array.Empty<object>(), stop_reason = (string?)null, stop_sequence = (string?)null,
                usage = new
                {
                    input_tokens = inputTokens, output_tokens = 1, cache_creation_input_tokens = cacheCreation, cache_read_input_tokens = cacheRead,
                    cache_creation = new { ephemeral_5m_input_tokens = cacheCreation - cacheCreation1h, ephemeral_1h_input_tokens = cacheCreation1h },
                },
            },
        });

    public static IEnumerable<(string, object)> End(string stopReason, long outputTokens, long webSearches = 0)
    {
        object usage = webSearches == 0
            ? new { output_tokens = outputTokens }
            : new { output_tokens = outputTokens, server_tool_use = new { web_search_requests = webSearches } };
        yield return ("message_delta", new { type = "message_delta", delta = new { stop_reason = stopReason, stop_sequence = (string?)null }, usage });
        yield return ("message_stop", new { type = "message_stop" });
    }

    public static (string, object) BlockStart(int index, object contentBlock) =>
        ("content_block_start", new { type = "content_block_start", index, content_block = contentBlock });

    public static (string, object) BlockDelta(int index, object delta) =>
        ("content_block_delta", new { type = "content_block_delta", index, delta });

    public static (string, object) BlockStop(int index) =>
        ("content_block_stop", new { type = "content_block_stop", index });

    public static (string, object) TextDelta(int index, string text) => BlockDelta(index, new { type = "text_delta", text });

    public static (string, object) InputJsonDelta(int index, string partialJson) =>
        BlockDelta(index, new { type = "input_json_delta", partial_json = partialJson });

    /// <summary>
    /// A text block, then a tool_use block whose input arrives only as <c>input_json_delta</c> fragments (the start
    /// event's <c>input</c> is the empty placeholder, as the real API sends it), ending with <c>stop_reason: tool_use</c>.
    /// </summary>
    public static IEnumerable<(string, object)> ToolUseStream(string toolId, string toolName, IReadOnlyList<string> fragments,
        long inputTokens = 25, long outputTokens = 40)
    {
        yield return Start(inputTokens);
        yield return BlockStart(0, new { type = "text", text = "" });
        yield return TextDelta(0, "Let me check.");
        yield return BlockStop(0);
        yield return BlockStart(1, new { type = "tool_use", id = toolId, name = toolName, input = new { } });
        yield return ("ping", new { type = "ping" });
        foreach (var fragment in fragments)
        {
            yield return InputJsonDelta(1, fragment);
        }

        yield return BlockStop(1);
        foreach (var end in End("tool_use", outputTokens))
        {
            yield return end;
        }
    }

    public static async Task WriteErrorAsync(HttpContext context, int status, string type, string message, int? retryAfterSeconds = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        if (retryAfterSeconds is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        await context.Response.WriteAsync(JsonSerializer.Serialize(new { type = "error", error = new { type, message } }), context.RequestAborted);
    }
}
