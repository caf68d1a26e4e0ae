using OrProject.Contracts.Messaging;

namespace OrProject.Worker.Upstreams;

/// <summary>Why an upstream call failed, after YARP's <c>ForwarderError</c>: each maps to a status and a decision.</summary>
internal enum UpstreamError
{
    ConnectFailed,
    TimedOut,
    RateLimited,
    Overloaded,
    Unauthorized,
    Rejected,
    ServerError,
    BodyFailed,
}

/// <summary>A failure before the first byte reached the client: the request may still move to another account.</summary>
internal sealed record UpstreamFailure(UpstreamError Error, int Status, string Message, string? Body = null, TimeSpan? RetryAfter = null)
{
    /// <summary>Rate limits, overload, server errors and connection failures are worth another account; a 400 is not.</summary>
    public bool TryNextAccount => Error is not UpstreamError.Rejected;
}

/// <summary>The upstream's answer: a failure, or a canonical event stream to read once.</summary>
internal sealed class UpstreamResponse : IAsyncDisposable
{
    private readonly IDisposable? _owner;

    private UpstreamResponse(UpstreamFailure? failure, IAsyncEnumerable<SseEvent>? events, IDisposable? owner)
    {
        Failure = failure;
        Events = events ?? AsyncEnumerable.Empty<SseEvent>();
        _owner = owner;
    }

    public UpstreamFailure? Failure { get; }

    public IAsyncEnumerable<SseEvent> Events { get; }

    public static UpstreamResponse Failed(UpstreamFailure failure) => new(failure, null, null);

    public static UpstreamResponse Streaming(IAsyncEnumerable<SseEvent> events, IDisposable? owner = null) => new(null, events, owner);

    public ValueTask DisposeAsync()
    {
        _owner?.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>One kind of upstream API (<c>anthropic</c>, <c>openai</c>, <c>simulator</c>), speaking canonical events back.</summary>
internal interface IUpstreamAdapter
{
    string Kind { get; }

    Task<UpstreamResponse> SendAsync(UpstreamTarget target, DispatchGeneration request, CancellationToken cancellationToken);
}

/// <summary>Where to send: the account's endpoint and its decrypted credential.</summary>
internal sealed record UpstreamTarget(string AccountId, string BaseUrl, string ApiKey);
