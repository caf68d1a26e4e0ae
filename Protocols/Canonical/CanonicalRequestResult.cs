using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;

namespace OrProject.Protocols.Canonical;

/// <summary>A client request the edge could not translate: answer 400 <c>invalid_request_error</c> with these.</summary>
/// <param name="Message">Human-readable reason.</param>
/// <param name="Param">The offending request field in OpenAI's dotted form (<c>messages[2].content[0]</c>), if any.</param>
public sealed record RequestError(string Message, string? Param);

/// <summary>
/// The outcome of translating an OpenAI-format client request into the canonical (Anthropic Messages) request.
/// Either <see cref="Request"/> is set, or <see cref="Error"/> is.
/// </summary>
public sealed record CanonicalRequestResult
{
    /// <summary>The canonical request body, without <c>stream</c> (the edge dispatches that separately).</summary>
    public JsonObject? Request { get; init; }

    /// <summary>The client asked for a streamed answer.</summary>
    public bool Stream { get; init; }

    /// <summary>Chat Completions only: <c>stream_options.include_usage</c>, so the stream ends with a usage chunk.</summary>
    public bool IncludeUsage { get; init; }

    public RequestError? Error { get; init; }

    [MemberNotNullWhen(true, nameof(Request))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Error is null && Request is not null;

    public static CanonicalRequestResult Ok(JsonObject request, bool stream, bool includeUsage) =>
        new() { Request = request, Stream = stream, IncludeUsage = includeUsage };

    public static CanonicalRequestResult Invalid(string message, string? param) =>
        new() { Error = new RequestError(message, param) };
}
