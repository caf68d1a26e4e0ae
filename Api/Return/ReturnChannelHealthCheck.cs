using Microsoft.Extensions.Diagnostics.HealthChecks;
using OrProject.Api.Dispatch;

namespace OrProject.Api.Return;

/// <summary>The edge is not ready until its return channel listens: before that no generation could reach it.</summary>
internal sealed class ReturnChannelHealthCheck(ReplyRouter router) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(router.IsReady ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("Return channel not listening yet"));
}
