using System.ComponentModel.DataAnnotations;

namespace OrProject.Worker.Generation;

public sealed class WorkerOptions
{
    public const string Section = "Worker";

    /// <summary>Name in logs and in <c>GenerationStarted</c>; <c>ORP_WORKER_ID</c> sets it.</summary>
    public string Id { get; set; } = Environment.MachineName + "-" + Environment.ProcessId;

    /// <summary>
    /// Generations this process runs at once; the rest wait in the queue for any worker. A generation mostly waits on
    /// its upstream, a token every 20–50 ms for seconds or minutes, so this is high: at 64, the 65th of 400 long streams
    /// waited in the queue for another to end (the bench's long streams took 5.8× direct's time). What an upstream
    /// account can take is its own limit (<c>maxConcurrency</c>).
    /// </summary>
    [Range(1, 4096)]
    public int Concurrency { get; set; } = 512;

    /// <summary>Longest silence from the upstream (between events) before the call is abandoned.</summary>
    [Range(1, 3600)]
    public int UpstreamIdleTimeoutSeconds { get; set; } = 120;

    /// <summary>Silence on a running generation after which the worker tells the edge it is still alive.</summary>
    [Range(0.1, 60)]
    public double HeartbeatSeconds { get; set; } = 5;

    /// <summary>
    /// How long a taken request's first upstream event may take before the edge is told separately that a worker
    /// has it (quicker answers say so in their first chunk, saving a message). Far below the edge's queue timeout.
    /// </summary>
    [Range(0, 5000)]
    public int StartNoticeMilliseconds { get; set; } = 50;
}
