using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrProject.Projections.Keys;

namespace OrProject.Projections.Rebuild;

/// <summary>Writes the key checkpoints earned since the last sweep (<see cref="ReplayOptions.CheckpointSweepSeconds"/>).</summary>
internal sealed partial class CheckpointSweeper(KeyCheckpoints checkpoints, IOptions<ReplayOptions> options, ILogger<CheckpointSweeper> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, options.Value.CheckpointSweepSeconds)));
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await checkpoints.SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "The key checkpoint sweep failed; the next one tries again")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
