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

    /// <summary>
    /// How long a request's budget hold lasts when nobody settles it (its edge and its worker both stopped), after
    /// which <see cref="HoldSweeper"/> gives it back. Longer than any generation: a charge that still arrives later
    /// is recorded all the same, but until then the hold keeps that much of the budget from other requests.
    /// </summary>
    [Range(1, 24 * 60)]
    public double HoldLifetimeMinutes { get; set; } = 60;

    /// <summary>
    /// How long past the dispatch's deadline the edge still waits for a worker's first word before it gives the hold
    /// back: a worker may take the request at the last moment, and its first message needs a moment to arrive.
    /// </summary>
    [Range(0, 60)]
    public double DeadlineGraceSeconds { get; set; } = 2;

    public TimeSpan HoldLifetime => TimeSpan.FromMinutes(HoldLifetimeMinutes);

    public TimeSpan DeadlineGrace => TimeSpan.FromSeconds(DeadlineGraceSeconds);

    public TimeSpan QueueTimeout => TimeSpan.FromSeconds(QueueTimeoutSeconds);

    public TimeSpan IdleTimeout => TimeSpan.FromSeconds(IdleTimeoutSeconds);
}
