using System.Text;
using System.Text.Json;
using OrProject.Api.Dispatch;
using OrProject.Protocols.Anthropic;

namespace OrProject.Api.Messages;

/// <summary>Anthropic's error envelope, <c>{"type":"error","error":{"type","message"},"request_id"}</c>, with its headers.</summary>
internal static class AnthropicError
{
    /// <summary>Writes the error; an upstream's own JSON error body goes out unmodified (clients match on its words).</summary>
    public static Task WriteAsync(HttpContext context, ApiError error)
    {
        error.WriteHeaders(context.Response);
        context.Response.StatusCode = error.Status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(Body(context, error), Encoding.UTF8, context.RequestAborted);
    }

    /// <summary>The error event's data mid-stream: the upstream's own body when it is JSON, else the envelope.</summary>
    public static string Body(HttpContext context, ApiError error)
    {
        if (error.UpstreamBody is { } upstream && IsJson(upstream))
        {
            return upstream;
        }

        var requestId = context.Response.Headers["request-id"].ToString();
        return AnthropicErrors.Envelope(error.Type, error.Message, requestId.Length > 0 ? requestId : null);
    }

    private static bool IsJson(string text)
    {
        try
        {
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
