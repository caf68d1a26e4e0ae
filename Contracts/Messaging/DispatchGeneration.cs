namespace OrProject.Contracts.Messaging;

/// <summary>
/// The edge asks a worker to run one generation. <see cref="Request"/> is the canonical request: an Anthropic
/// Messages API body (JSON text, unknown fields preserved) with the model already resolved.
/// </summary>
/// <param name="RequestId">The gateway's request id (<c>req_…</c>), echoed in every reply.</param>
/// <param name="KeyId">The client key the request is charged to.</param>
/// <param name="ReplyAddress">The edge instance's return channel (<c>http://host:port</c>, HTTP/2); every reply goes there.</param>
/// <param name="Stream">Whether the client asked for a stream (workers always stream from the upstream).</param>
/// <param name="Request">Canonical request body.</param>
/// <param name="ModelRequested">The model name the client sent, before aliases.</param>
/// <param name="Model">The model to ask the upstream for.</param>
/// <param name="Headers">Client headers forwarded to the upstream (<c>anthropic-version</c>, <c>anthropic-beta</c>).</param>
/// <param name="Affinity">Conversation hint for account affinity (prompt-cache hits), if the client sent one.</param>
/// <param name="RequestedAt">When the edge admitted the request.</param>
/// <param name="Deadline">After this instant the edge has given up waiting; a worker must not start the work.</param>
/// <param name="Capability">What lets a worker deliver this request's replies, and no other's (a random token).</param>
/// <param name="Protocol">The client's protocol (<c>anthropic</c>, <c>chat</c>, <c>responses</c>), for the request log.</param>
public sealed record DispatchGeneration(
    string RequestId,
    string KeyId,
    Uri ReplyAddress,
    bool Stream,
    string Request,
    string ModelRequested,
    string Model,
    IReadOnlyDictionary<string, string> Headers,
    string? Affinity,
    DateTimeOffset RequestedAt,
    DateTimeOffset Deadline,
    string Capability,
    string? Protocol = null);

/// <summary>The client went away: the worker holding the request cancels the upstream call.</summary>
public sealed record CancelGeneration(string RequestId);
