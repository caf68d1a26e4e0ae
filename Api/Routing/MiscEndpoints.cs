using OrProject.Api.Messages;
using OrProject.Contracts.Anthropic;

namespace OrProject.Api.Routing;

/// <summary>
/// Traffic clients send besides inference: Claude Code's connectivity probes and telemetry, and the answer for
/// routes that do not exist (404 in the envelope of the protocol the path belongs to).
/// </summary>
internal static class MiscEndpoints
{
    public static IEndpointRouteBuilder MapMiscellany(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/", ["HEAD", "GET"], () => Results.Ok());
        app.MapMethods("/api/hello", ["HEAD", "GET"], () => Results.Ok());
        app.MapPost("/api/event_logging/{**rest}", () => Results.NoContent());
        app.MapFallback(NotFoundAsync);
        return app;
    }

    private static Task NotFoundAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        return OpenAiPaths.Matches(path)
            ? OpenAiPaths.WriteErrorAsync(context, 404, "invalid_request_error", $"Unknown request URL: {context.Request.Method} {path}.", "unknown_url")
            : AnthropicError.WriteAsync(context, 404, AnthropicErrors.NotFound, $"Not found: {context.Request.Method} {path}");
    }
}

/// <summary>Which routes speak OpenAI's dialect, and its error envelope.</summary>
internal static class OpenAiPaths
{
    public static bool Matches(string path) =>
        path.StartsWith("/v1/chat", StringComparison.OrdinalIgnoreCase) ||
        path.StartsWith("/v1/responses", StringComparison.OrdinalIgnoreCase) ||
        path.StartsWith("/v1/completions", StringComparison.OrdinalIgnoreCase) ||
        path.StartsWith("/v1/embeddings", StringComparison.OrdinalIgnoreCase);

    public static Task WriteErrorAsync(HttpContext context, int status, string type, string message, string? code)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(
            new { error = new { message, type, param = (string?)null, code } }, context.RequestAborted);
    }
}
