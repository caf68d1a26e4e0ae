using OrProject.Api.Dispatch;
using OrProject.Api.ChatCompletions;
using Microsoft.AspNetCore.Diagnostics;
using OrProject.Api.Messages;
using OrProject.Protocols.Anthropic;
namespace OrProject.Api.Routing;

/// <summary>
/// The one exception handler: whatever escaped becomes a 500 <c>api_error</c> in the route's own envelope,
/// never a bare stack trace; bad request bodies the framework rejected become 400 or 413; and an unreachable
/// database becomes 503 — the edge fails closed (no key can be checked, so nothing is served) and says retry.
/// </summary>
internal sealed class EdgeExceptionHandler(ILogger<EdgeExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (context.Response.HasStarted)
        {
            return false;
        }

        var (status, message) = exception switch
        {
            BadHttpRequestException bad => (bad.StatusCode, bad.StatusCode == 413
                ? "Request exceeds the maximum allowed number of bytes."
                : "The request could not be read: " + bad.Message),
            _ when IsDatabaseUnavailable(exception) => (503, "The gateway's database is unavailable; retry shortly."),
            _ => (500, "Internal error in the gateway."),
        };
        if (status >= 500)
        {
            EdgeLog.Unhandled(logger, exception, context.Request.Path);
        }

        if (status == 503)
        {
            context.Response.Headers.RetryAfter = "1";
        }

        // UseExceptionHandler cleared the response, headers included; the answer still names its request.
        EdgeRequestMiddleware.StampId(context);

        if (OpenAiPaths.Matches(context.Request.Path.Value ?? ""))
        {
            var type = status switch { 500 => "server_error", 503 => "service_unavailable", _ => "invalid_request_error" };
            await OpenAiError.WriteAsync(context, new ApiError(status, AnthropicErrors.TypeFor(status), message) { OpenAiType = type });
        }
        else
        {
            await AnthropicError.WriteAsync(context, new ApiError(status, AnthropicErrors.TypeFor(status), message));
        }

        return true;
    }

    /// <summary>Npgsql's own failure, or Marten's wrapper around it, anywhere in the chain.</summary>
    private static bool IsDatabaseUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is Npgsql.NpgsqlException or System.Net.Sockets.SocketException)
            {
                return true;
            }
        }

        return false;
    }
}
