namespace OrProject.Api.Routing;

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
