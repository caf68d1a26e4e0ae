using System.Text;
using OrProject.Api.Dispatch;
using OrProject.Protocols.Anthropic;
namespace OrProject.Api.Messages;

internal static class AnthropicError
{
    public static Task WriteAsync(HttpContext context, Refusal refusal)
    {
        refusal.WriteHeaders(context.Response);
        return WriteAsync(context, refusal.Status, refusal.Type, refusal.Message);
    }

    public static async Task WriteAsync(HttpContext context, int status, string type, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        var requestId = context.Response.Headers["request-id"].ToString();
        await context.Response.WriteAsync(AnthropicErrors.Envelope(type, message, requestId.Length > 0 ? requestId : null),
            Encoding.UTF8, context.RequestAborted);
    }
}
