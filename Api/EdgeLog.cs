namespace OrProject.Api;

internal static partial class EdgeLog
{
    [LoggerMessage(1, LogLevel.Error, "Dispatch of {RequestId} failed")]
    public static partial void DispatchFailed(ILogger logger, Exception exception, string requestId);

    [LoggerMessage(2, LogLevel.Information, "Client of {RequestId} went away; cancelling the generation")]
    public static partial void ClientGone(ILogger logger, string requestId);

    [LoggerMessage(3, LogLevel.Warning, "Cancelling {RequestId} failed")]
    public static partial void CancelFailed(ILogger logger, Exception exception, string requestId);

    [LoggerMessage(4, LogLevel.Error, "Unhandled error on {Path}")]
    public static partial void Unhandled(ILogger logger, Exception exception, string path);

    [LoggerMessage(5, LogLevel.Error, "Charging the observed usage of {RequestId} failed")]
    public static partial void ChargeFailed(ILogger logger, Exception exception, string requestId);

    [LoggerMessage(6, LogLevel.Error, "Holding the budget of {RequestId} failed")]
    public static partial void HoldFailed(ILogger logger, Exception exception, string requestId);

    [LoggerMessage(7, LogLevel.Warning, "Releasing the budget hold of {RequestId} failed; it expires instead")]
    public static partial void ReleaseFailed(ILogger logger, Exception exception, string requestId);

    [LoggerMessage(8, LogLevel.Warning, "Budget hold of {RequestId} on key {KeyId} expired unsettled ({AmountUsd} USD given back)")]
    public static partial void HoldExpired(ILogger logger, string requestId, string keyId, decimal amountUsd);

    [LoggerMessage(9, LogLevel.Warning, "Sweeping expired budget holds failed")]
    public static partial void SweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(10, LogLevel.Warning, "The charge sent with request {RequestId}'s completion names request {ChargedRequestId} of key {ChargedKeyId}; not recorded here")]
    public static partial void ChargeMismatch(ILogger logger, string requestId, string chargedRequestId, string chargedKeyId);
}
