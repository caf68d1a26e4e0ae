namespace OrProject.Contracts.Messaging;

/// <summary>
/// The edge asks a worker to run one generation. <see cref="Body"/> is the canonical request: an Anthropic
/// Messages API body (UTF-8 JSON, unknown fields preserved) with the model already resolved.
/// </summary>
/// <remarks>
/// The body is bytes, which the message's JSON carries as base64, rather than text: as a JSON string inside the
/// message's JSON, every quote, backslash and line break of a coding agent's 100 KB request was escaped by the edge
/// and unescaped by the worker, and the text transcoded between UTF-8 and UTF-16 on both sides (see README,
/// Performance). An older edge's dispatch names its body <see cref="Request"/> (text); <see cref="CanonicalBody"/>
/// reads either, so workers may be upgraded first.
/// </remarks>
/// <param name="RequestId">The gateway's request id (<c>req_…</c>), echoed in every reply.</param>
/// <param name="KeyId">The client key the request is charged to.</param>
/// <param name="ReplyAddress">The edge instance's return channel (<c>http://host:port</c>, HTTP/2); every reply goes there.</param>
/// <param name="Stream">Whether the client asked for a stream (workers always stream from the upstream).</param>
/// <param name="Body">Canonical request body, UTF-8 JSON.</param>
/// <param name="ModelRequested">The model name the client sent, before aliases.</param>
/// <param name="Model">The model to ask the upstream for.</param>
/// <param name="Headers">Client headers forwarded to the upstream (<c>anthropic-version</c>, <c>anthropic-beta</c>).</param>
/// <param name="Affinity">Conversation hint for account affinity (prompt-cache hits), if the client sent one.</param>
/// <param name="RequestedAt">When the edge admitted the request.</param>
/// <param name="Deadline">After this instant the edge has given up waiting; a worker must not start the work.</param>
/// <param name="Capability">What lets a worker deliver this request's replies, and no other's (a random token).</param>
/// <param name="Protocol">The client's protocol (<c>anthropic</c>, <c>chat</c>, <c>responses</c>), for the request log.</param>
/// <param name="Request">The body as an older edge sent it (JSON text); null from this version's edges.</param>
public sealed record DispatchGeneration(
    string RequestId,
    string KeyId,
    Uri ReplyAddress,
    bool Stream,
    byte[]? Body,
    string ModelRequested,
    string Model,
    IReadOnlyDictionary<string, string> Headers,
    string? Affinity,
    DateTimeOffset RequestedAt,
    DateTimeOffset Deadline,
    string Capability,
    string? Protocol = null,
    string? Request = null)
{
    /// <summary>
    /// The canonical request, UTF-8 JSON, from this version's edges or an older one's. A method, not a property: the
    /// message serializer writes every public property.
    /// </summary>
    public byte[] CanonicalBody() => Body ?? (Request is null ? [] : System.Text.Encoding.UTF8.GetBytes(Request));
}

/// <summary>The client went away: the worker holding the request cancels the upstream call.</summary>
public sealed record CancelGeneration(string RequestId);
