using Microsoft.AspNetCore.Diagnostics;
using OrProject.Api.Messages;
using OrProject.Contracts.Anthropic;

namespace OrProject.Api.Routing;

/// <summary>
/// The one exception handler: whatever escaped becomes a 500 <c>api_error</c> in the route's own envelope,
/// never a bare stack trace, and bad request bodies the framework rejected become 400 or 413.
/// </summary>
internal sealed class EdgeExceptionHandler(ILogger<EdgeExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (context.Response.HasStarted)
        {
            return false;
        }

        var (status, message) = exception is BadHttpRequestException bad
            ? (bad.StatusCode, bad.StatusCode == 413 ? "Request exceeds the maximum allowed number of bytes." : "The request could not be read: " + bad.Message)
            : (500, "Internal error in the gateway.");
        if (status == 500)
        {
            EdgeLog.Unhandled(logger, exception, context.Request.Path);
        }

        // UseExceptionHandler cleared the response, headers included; the answer still names its request.
        EdgeRequestMiddleware.StampId(context);

        if (OpenAiPaths.Matches(context.Request.Path.Value ?? ""))
        {
            await OpenAiPaths.WriteErrorAsync(context, status, status == 500 ? "server_error" : "invalid_request_error", message, null);
        }
        else
        {
            await AnthropicError.WriteAsync(context, status, AnthropicErrors.TypeFor(status), message);
        }

        return true;
    }
}
