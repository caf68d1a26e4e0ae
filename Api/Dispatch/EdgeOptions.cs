using System.ComponentModel.DataAnnotations;

namespace OrProject.Api.Dispatch;

public sealed class EdgeOptions
{
    public const string Section = "Edge";

    /// <summary>How long a request may wait for a worker to take it before the edge answers 529.</summary>
    [Range(1, 3600)]
    public double QueueTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// Longest silence from the worker during a generation before the edge ends the response with an error. Workers
    /// send a heartbeat every few seconds while the upstream is quiet, so this only fires for a dead worker.
    /// </summary>
    [Range(1, 3600)]
    public double IdleTimeoutSeconds { get; set; } = 30;

    /// <summary>Largest request body accepted (Anthropic's limit is 32 MB); larger ones get 413.</summary>
    [Range(1024, int.MaxValue)]
    public long MaxRequestBodyBytes { get; set; } = 32L * 1024 * 1024;

    public TimeSpan QueueTimeout => TimeSpan.FromSeconds(QueueTimeoutSeconds);

    public TimeSpan IdleTimeout => TimeSpan.FromSeconds(IdleTimeoutSeconds);
}
