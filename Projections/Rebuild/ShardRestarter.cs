using JasperFx;
using JasperFx.Events.Daemon;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace OrProject.Projections.Rebuild;

/// <summary>
/// Starts again an async projection shard this instance runs that stopped. The daemon stops a shard (rather than
/// pausing it) when its progress row moved underneath it, which is what a rebuild's switch does on purpose: the
/// daemon's batch in flight rolls back, and the shard resumes from the switch's position. Only shards present on this
/// instance are touched, so under HotCold election the instance that leads is the one that restarts.
/// </summary>
internal sealed partial class ShardRestarter(IProjectionCoordinator coordinator, ILogger<ShardRestarter> logger) : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                var daemon = coordinator.DaemonForMainDatabase();
                foreach (var agent in daemon.CurrentAgents())
                {
                    if (agent.Status == AgentStatus.Stopped)
                    {
                        LogRestarting(logger, agent.Name.Identity);
                        await daemon.StartAgentAsync(agent.Name.Identity, stoppingToken);
                    }
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(LogLevel.Information, "Restarting the stopped projection shard {Shard} (a rebuild moved its progress)")]
    private static partial void LogRestarting(ILogger logger, string shard);

    [LoggerMessage(LogLevel.Warning, "Could not restart the stopped projection shards")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
