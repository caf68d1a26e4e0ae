namespace OrProject.Api.Routing;

/// <summary>Which routes speak OpenAI's dialect (their errors go out in OpenAI's envelope).</summary>
internal static class OpenAiPaths
{
    public static bool Matches(string path) =>
        path.StartsWith("/v1/chat", StringComparison.OrdinalIgnoreCase) ||
        path.StartsWith("/v1/responses", StringComparison.OrdinalIgnoreCase) ||
        path.StartsWith("/v1/completions", StringComparison.OrdinalIgnoreCase) ||
        path.StartsWith("/v1/embeddings", StringComparison.OrdinalIgnoreCase);
}
