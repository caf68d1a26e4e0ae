using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OrProject.Contracts.Messaging;

namespace OrProject.Api.Dispatch;

/// <summary>
/// This edge instance's own reply queue: temporary (gone when the instance stops), consumed one message at a time
/// so chunks stay in order, and connected here rather than through <c>ConfigureEndpoints</c> — a shared durable queue
/// would let edge instances steal each other's chunks. Replies go to plain handlers: a consumer would cost a
/// dependency-injection scope for every chunk.
/// </summary>
internal sealed class ReplyEndpoint(IReceiveEndpointConnector connector, ReplyRouter router) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var handle = connector.ConnectReceiveEndpoint(new TemporaryEndpointDefinition("edge-replies"),
            KebabCaseEndpointNameFormatter.Instance, (_, cfg) =>
            {
                cfg.ConcurrentMessageLimit = 1;
                cfg.ConfigureConsumeTopology = false;
                if (cfg is IRabbitMqReceiveEndpointConfigurator rabbit)
                {
                    rabbit.PrefetchCount = 512;
                }

                cfg.Handler<GenerationStarted>(Deliver);
                cfg.Handler<GenerationChunk>(Deliver);
                cfg.Handler<GenerationCompleted>(Deliver);
                cfg.Handler<GenerationFailed>(Deliver);
            });
        try
        {
            var ready = await handle.Ready.WaitAsync(stoppingToken);
            router.SetAddress(ready.InputAddress);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopped before the broker answered
        }
    }

    private Task Deliver<T>(ConsumeContext<T> context)
        where T : class, IGenerationReply
    {
        router.Deliver(context.Message);
        return Task.CompletedTask;
    }
}

/// <summary>The edge is not ready until its reply queue exists: before that no answer could reach it.</summary>
internal sealed class ReplyEndpointHealthCheck(ReplyRouter router) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(router.IsReady ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("Reply endpoint not connected yet"));
}
