using System.Text.Json;
using System.Text.Json.Nodes;
using OrProject.Api.Dispatch;
using OrProject.Protocols.OpenAI;
namespace OrProject.Api.ChatCompletions;

/// <summary>OpenAI's envelope, <c>{"error":{"message","type","param","code"}}</c>, used by the Chat and Responses routes.</summary>
internal static class OpenAiError
{
    /// <summary>
    /// Writes the error in OpenAI's words: its own type, message and code where they differ from Anthropic's
    /// (<c>insufficient_quota</c>, <c>model_not_found</c>), the upstream's own message when it sent one (clients match
    /// on it: context length and the like), and the code that follows from the type otherwise.
    /// </summary>
    public static Task WriteAsync(HttpContext context, ApiError error)
    {
        error.WriteHeaders(context.Response, openAi: true);
        context.Response.StatusCode = error.Status;
        context.Response.ContentType = "application/json";
        var type = error.OpenAiType ?? error.Type;
        var message = UpstreamMessage(error.UpstreamBody) ?? error.OpenAiMessage ?? error.Message;
        return context.Response.WriteAsync(Envelope(type, message, error.OpenAiCode ?? OpenAiErrorCodes.For(type, message)),
            context.RequestAborted);
    }

    public static string Envelope(string type, string message) => Envelope(type, message, OpenAiErrorCodes.For(type, message));

    private static string Envelope(string type, string message, string? code) => new JsonObject
    {
        ["error"] = new JsonObject { ["message"] = message, ["type"] = type, ["param"] = null, ["code"] = code },
    }.ToJsonString(Streaming.Json.Relaxed);

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
