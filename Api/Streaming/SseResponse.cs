using Microsoft.AspNetCore.Http.Features;
using OrProject.Contracts.Messaging;
using OrProject.Protocols.Streaming;

namespace OrProject.Api.Streaming;

internal static class SseResponse
{
    /// <summary>Starts a text/event-stream response that is flushed per write, never buffered.</summary>
    public static void Start(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
    }

    /// <summary>Writes <paramref name="events"/> into the response's pipe as UTF-8 and flushes them.</summary>
    public static Task WriteAsync(HttpContext context, IEnumerable<SseEvent> events)
    {
        SseFormat.Write(context.Response.BodyWriter, events);
        return FlushAsync(context);
    }

    /// <summary>Sends what was written into the response's pipe (<see cref="SseFormat.Write(System.Buffers.IBufferWriter{byte}, string?, string)"/>).</summary>
    public static async Task FlushAsync(HttpContext context) => await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
}
