using OrProject.Worker.Upstreams;

namespace OrProject.Worker;

internal static partial class WorkerLog
{
    [LoggerMessage(1, LogLevel.Warning, "Dispatch {RequestId} was redelivered after a worker stopped; failing it instead of running it again")]
    public static partial void Redelivered(ILogger logger, string requestId);

    [LoggerMessage(2, LogLevel.Information, "Dispatch {RequestId} expired in the queue; the edge already answered")]
    public static partial void Expired(ILogger logger, string requestId);

    [LoggerMessage(3, LogLevel.Warning, "Upstream account {AccountId} failed with {Status} ({Error})")]
    public static partial void UpstreamFailed(ILogger logger, string accountId, int status, UpstreamError error);

    [LoggerMessage(4, LogLevel.Warning, "No price for model {Model}: the request is recorded at zero cost")]
    public static partial void Unpriced(ILogger logger, string model);

    [LoggerMessage(5, LogLevel.Warning, "Restoring cooled-down accounts failed; will retry")]
    public static partial void RestoreFailed(ILogger logger, Exception exception);

    [LoggerMessage(6, LogLevel.Information, "Request {RequestId} moved away from account {AccountId}: {Status}")]
    public static partial void Rotated(ILogger logger, string requestId, string accountId, int status);

    [LoggerMessage(7, LogLevel.Error, "The worker failed on request {RequestId}; the edge is told with a 500")]
    public static partial void GenerationCrashed(ILogger logger, Exception exception, string requestId);

    [LoggerMessage(8, LogLevel.Error, "Could not tell the edge that request {RequestId} failed")]
    public static partial void FailureNotSent(ILogger logger, Exception exception, string requestId);

    [LoggerMessage(LogLevel.Warning, "The edge waiting for request {RequestId} is gone ({Reason}); the generation stopped")]
    public static partial void EdgeGone(ILogger logger, string requestId, string reason);

    [LoggerMessage(9, LogLevel.Warning, "A request succeeded on account {AccountId} while it was out, but restoring it failed; the next success retries")]
    public static partial void ProbeNotRecorded(ILogger logger, Exception exception, string accountId);
}
