using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace OrProject.Testing;

/// <summary>Scripts for the fake upstream in OpenAI's Chat Completions chunk format.</summary>
public static class FakeOpenAi
{
    public static async Task WriteChunksAsync(HttpContext context, IEnumerable<object> chunks, bool done = true)
    {
        context.Response.ContentType = "text/event-stream";
        foreach (var chunk in chunks)
        {
            await context.Response.WriteAsync($"data: {JsonSerializer.Serialize(chunk)}\n\n", Encoding.UTF8, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }

        if (done)
        {
            await context.Response.WriteAsync("data: [DONE]\n\n", context.RequestAborted);
        }
    }

    public static object Chunk(object delta, string? finish = null) => new
    {
        id = "chatcmpl-1", @object = "chat.completion.chunk", created = 1700000000, model = "local-model",
        choices = new[] { new { index = 0, delta, finish_reason = finish } },
    };

    public static object Usage(int prompt, int completion, int cached = 0) => new
    {
        id = "chatcmpl-1", @object = "chat.completion.chunk", created = 1700000000, model = "local-model",
        choices = Array.Empty<object>(),
        usage = new { prompt_tokens = prompt, completion_tokens = completion, total_tokens = prompt + completion, prompt_tokens_details = new { cached_tokens = cached } },
    };
}

/// <summary>The gateway with its one account pointing at an OpenAI-compatible upstream.</summary>
public sealed class OpenAiUpstreamFixture : GatewayFixture
{
    protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?> { ["Upstream:Kind"] = "openai" };
}
