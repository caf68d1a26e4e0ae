using OrProject.Api.Dispatch;
using OrProject.Api.ChatCompletions;
using OrProject.Api.Messages;
using OrProject.Protocols.Anthropic;

namespace OrProject.Api.Routing;

/// <summary>
/// The answer for a request no route took, in the envelope of the protocol its path belongs to.
/// </summary>
internal static class UnmatchedRequests
{
    public static IEndpointRouteBuilder MapUnmatchedRequests(this IEndpointRouteBuilder app)
    {
        app.MapFallback(AnswerAsync);
        return app;
    }

    /// <summary>
    /// No endpoint took the request. When a route exists at this path for other methods, 405 with <c>Allow</c>; when it
    /// exists for this method but refused the body's content type (the JSON routes accept JSON only), 415 naming
    /// <c>application/json</c>; otherwise 404 — each in the envelope of the protocol the path belongs to.
    /// </summary>
    private static Task AnswerAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        var method = context.Request.Method;
        var allowed = RouteMethods.At(context, path);
        var (status, message) = allowed.Count == 0
            ? (404, OpenAiPaths.Matches(path) ? $"Unknown request URL: {method} {path}." : $"Not found: {method} {path}")
            : allowed.Contains(method, StringComparer.OrdinalIgnoreCase)
                ? (415, $"{method} {path} takes a JSON body: send it with Content-Type: application/json.")
                : (405, $"{method} is not allowed on {path}; it accepts {string.Join(", ", allowed)}.");
        if (status == 405)
        {
            context.Response.Headers.Allow = string.Join(", ", allowed);
        }

        var type = status == 404 ? AnthropicErrors.NotFound : AnthropicErrors.InvalidRequest;
        return OpenAiPaths.Matches(path)
            ? OpenAiError.WriteAsync(context, new ApiError(status, type, message) { OpenAiType = "invalid_request_error", OpenAiCode = status == 404 ? "unknown_url" : null })
            : AnthropicError.WriteAsync(context, new ApiError(status, type, message));
    }
}
