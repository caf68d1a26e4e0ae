using System.Text.Json;
using System.Text.Json.Nodes;
using OrProject.Api.Dispatch;
using OrProject.Api.Streaming;
using OrProject.Protocols.OpenAI;
namespace OrProject.Api.ChatCompletions;

/// <summary>OpenAI's envelope, <c>{"error":{"message","type","param","code"}}</c>, used by the Chat and Responses routes.</summary>
internal static class OpenAiError
{
    public static Task WriteAsync(HttpContext context, int status, string type, string message, string? upstreamBody = null,
        int? retryAfterSeconds = null)
    {
        SseResponse.SetRetryAfter(context, retryAfterSeconds);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var said = UpstreamMessage(upstreamBody) ?? message;
        return context.Response.WriteAsync(Envelope(type, said, OpenAiErrorCodes.For(type, said)), context.RequestAborted);
    }

    /// <summary>A refusal in OpenAI's words: its own type and code where they differ (<c>insufficient_quota</c>).</summary>
    public static Task WriteAsync(HttpContext context, Refusal refusal)
    {
        refusal.WriteHeaders(context.Response);
        context.Response.StatusCode = refusal.Status;
        context.Response.ContentType = "application/json";
        var type = refusal.OpenAiType ?? refusal.Type;
        var message = refusal.OpenAiMessage ?? refusal.Message;
        return context.Response.WriteAsync(Envelope(type, message, refusal.OpenAiCode ?? OpenAiErrorCodes.For(type, message)),
            context.RequestAborted);
    }

    public static string Envelope(string type, string message) => Envelope(type, message, OpenAiErrorCodes.For(type, message));

    private static string Envelope(string type, string message, string? code) => new JsonObject
    {
        ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["param"] = null, ["code"] = code },
    }.ToJsonString();

    /// <summary>The upstream's own words, whatever envelope it used: clients match on them (context length and the like).</summary>
    private static string? UpstreamMessage(string? body)
    {
        if (body is null)
        {
            return null;
        }

        try
        {
            return (string?)JsonNode.Parse(body)?["error"]?["message"];
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
