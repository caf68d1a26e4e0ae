using System.Text.Json.Nodes;
using OrProject.Protocols.Canonical;
namespace OrProject.Api.Dispatch;

/// <summary>What the edge must know of a client protocol to admit, translate and answer a generation request.</summary>
internal interface IEdgeProtocol
{
    /// <summary>The protocol's name in the request log: <c>anthropic</c>, <c>chat</c> or <c>responses</c>.</summary>
    string Name { get; }

    /// <summary>An answer before any work, in the protocol's own envelope and headers.</summary>
    Task WriteRefusalAsync(HttpContext context, ApiError refusal);

    /// <summary>The client's body in canonical form (an Anthropic Messages request), or why it is invalid.</summary>
    ClientRequest Translate(JsonObject body);

    IGenerationResponder CreateResponder(ClientRequest request, string model);
}

/// <summary>
/// A client request in canonical form: the body, whether to stream, and the client's own JSON; <c>Translated</c> when
/// it came in an OpenAI format (not Anthropic's own, which travels as the client wrote it).
/// </summary>
internal sealed record ClientRequest(JsonObject? Canonical, bool Stream, bool IncludeUsage, JsonObject Original, string? Error, bool Translated = false)
{
    public static ClientRequest Invalid(JsonObject original, string error) => new(null, false, false, original, error);

    /// <summary>A translator's result; an error names the offending parameter first, as the vendors' messages do.</summary>
    public static ClientRequest From(CanonicalRequestResult result, JsonObject original, bool includeUsage) =>
        result.Succeeded
            ? new ClientRequest(result.Request, result.Stream, includeUsage, original, null, Translated: true)
            : Invalid(original, result.Error?.Param is { } param ? $"{param}: {result.Error.Message}" : result.Error?.Message ?? "Invalid request.");
}
