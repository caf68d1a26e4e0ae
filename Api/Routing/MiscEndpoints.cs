using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Routing.Template;
using OrProject.Api.Messages;
using OrProject.Protocols.Anthropic;
namespace OrProject.Api.Routing;

/// <summary>
/// Traffic clients send besides inference: Claude Code's connectivity probes and telemetry, and the answer for
/// routes that do not exist (404 in the envelope of the protocol the path belongs to).
/// </summary>
internal static class MiscEndpoints
{
    public static IEndpointRouteBuilder MapMiscellany(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/", ["HEAD"], () => Results.Ok());
        app.MapGet("/", FrontDoor.GetAsync);
        app.MapMethods("/api/hello", ["HEAD", "GET"], () => Results.Ok());
        app.MapPost("/api/event_logging/{**rest}", () => Results.NoContent());
        app.MapFallback(NotFoundAsync);
        return app;
    }

    /// <summary>
    /// No endpoint took the request. When a route exists at this path for other methods, 405 with <c>Allow</c>; when it
    /// exists for this method but refused the body's content type (the JSON routes accept JSON only), 415 naming
    /// <c>application/json</c>; otherwise 404 — each in the envelope of the protocol the path belongs to.
    /// </summary>
    private static Task NotFoundAsync(HttpContext context)
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
            ? OpenAiPaths.WriteErrorAsync(context, status, "invalid_request_error", message, status == 404 ? "unknown_url" : null)
            : AnthropicError.WriteAsync(context, status, type, message);
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

/// <summary>The HTTP methods the app's routes accept at a path, from its endpoint table (matched once per pattern).</summary>
internal static class RouteMethods
{
    private static readonly ConditionalWeakTable<EndpointDataSource, List<(TemplateMatcher Matcher, IReadOnlyList<string> Methods)>> Tables = [];

    public static IReadOnlyList<string> At(HttpContext context, string path)
    {
        var source = context.RequestServices.GetRequiredService<EndpointDataSource>();
        var table = Tables.GetValue(source, Build);
        var values = new RouteValueDictionary();
        return [.. table.Where(e => { values.Clear(); return e.Matcher.TryMatch(path, values); })
            .SelectMany(e => e.Methods).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal)];
    }

    private static List<(TemplateMatcher, IReadOnlyList<string>)> Build(EndpointDataSource source) =>
        [.. source.Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<HttpMethodMetadata>() is { HttpMethods.Count: > 0 } && e.RoutePattern.RawText is { } raw && !raw.Contains("{*path", StringComparison.Ordinal))
            .Select(e => (new TemplateMatcher(TemplateParser.Parse(e.RoutePattern.RawText!.TrimStart('/')), new RouteValueDictionary()),
                e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods))];
}
