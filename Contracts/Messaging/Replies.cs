using OrProject.Contracts.Events;

namespace OrProject.Contracts.Messaging;

/// <summary>A message on the reply channel of one request. <see cref="Seq"/> orders them (0, 1, 2, …).</summary>
public interface IGenerationReply
{
    string RequestId { get; }

    int Seq { get; }
}

/// <summary>
/// A worker took the request and its upstream has not answered yet (sent only when the first event is slow: the
/// first chunk says the same). <c>Seq = 0</c>; the queue timeout no longer applies.
/// </summary>
public sealed record GenerationStarted(string RequestId, int Seq, string WorkerId) : IGenerationReply;

/// <summary>
/// Canonical stream events (Anthropic's SSE grammar), in order, and the account serving them. A chunk with no events
/// is a heartbeat: the worker is alive, the upstream is just quiet.
/// </summary>
public sealed record GenerationChunk(string RequestId, int Seq, IReadOnlyList<SseEvent> Events, string? AccountId = null) : IGenerationReply;

/// <summary>
/// The generation ended normally, charged as <see cref="Usage"/>. <see cref="Events"/> are the stream's last events,
/// those no chunk carried yet (they end with <c>message_stop</c>; none when every event went in a chunk): a short
/// generation then costs one return-channel frame fewer. <see cref="Charge"/> is the ledger event that charges the
/// generation, for the edge to record (null when the worker recorded it itself).
/// </summary>
public sealed record GenerationCompleted(string RequestId, int Seq, TokenUsage Usage, string? StopReason,
    IReadOnlyList<SseEvent>? Events = null, UsageRecorded? Charge = null) : IGenerationReply;

/// <summary>
/// The generation failed. Before any chunk, the edge answers with the error's status and, when the upstream sent one,
/// its error body unmodified; after a chunk it ends the stream with an error event. The worker that sends it has
/// settled the request's budget hold (charged or released), except when <see cref="WorkerLost"/>: the worker that ran
/// the request died, and the edge charges what it observed.
/// </summary>
public sealed record GenerationFailed(string RequestId, int Seq, GenerationError Error, bool WorkerLost = false) : IGenerationReply;

/// <summary>
/// What a failed generation tells the client: the status and Anthropic error type, the message, the upstream's own
/// error body to relay unmodified (when it sent one), and how long to wait before retrying (when known).
/// </summary>
public sealed record GenerationError(int Status, string Type, string Message, string? UpstreamBody = null, int? RetryAfterSeconds = null);

/// <summary>
/// Token counts as the upstream reported them (Anthropic semantics: input is net of cache).
/// <see cref="CacheCreationInputTokens"/> is every cache write (5-minute and 1-hour); <see cref="CacheCreation1hInputTokens"/>
/// is the 1-hour share of it, priced higher. <see cref="WebSearchRequests"/> counts the upstream's server-side searches.
/// The last two are optional so messages from a worker that predates them still read.
/// </summary>
public sealed record TokenUsage(long InputTokens, long OutputTokens, long CacheCreationInputTokens, long CacheReadInputTokens,
    long CacheCreation1hInputTokens = 0, long WebSearchRequests = 0)
{
    public static readonly TokenUsage Zero = new(0, 0, 0, 0);
}
