namespace OrProject.Contracts.Messaging;

/// <summary>The edge asks a worker to have an upstream count a request's input tokens (Anthropic's count_tokens).</summary>
/// <param name="RequestId">The edge's request id, for logs.</param>
/// <param name="Request">The canonical count_tokens body (model resolved, admin system prompt applied).</param>
/// <param name="Model">The resolved model, to choose an account that serves it.</param>
/// <param name="Headers">Client headers forwarded to the upstream (<c>anthropic-version</c>, <c>anthropic-beta</c>).</param>
public sealed record CountTokens(string RequestId, string Request, string Model, IReadOnlyDictionary<string, string> Headers);

/// <summary>
/// The upstream's count, or its refusal of the request (<see cref="Status"/> 4xx with its body, relayed as is), or
/// neither when no upstream could count (no Anthropic account, or it failed): the edge then estimates locally.
/// </summary>
public sealed record TokensCounted(long? InputTokens, int Status = 0, string? Body = null);
