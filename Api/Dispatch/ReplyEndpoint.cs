using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OrProject.Contracts.Messaging;

namespace OrProject.Api.Dispatch;

/// <summary>
/// This edge instance's own reply queue: temporary (gone when the instance stops), consumed one message at a time
/// so chunks stay in order, and excluded from <c>ConfigureEndpoints</c> — a shared durable queue would let edge
/// instances steal each other's chunks.
/// </summary>
internal sealed class ReplyEndpoint(IReceiveEndpointConnector connector, ReplyRouter router) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var handle = connector.ConnectReceiveEndpoint(new TemporaryEndpointDefinition("edge-replies"),
            KebabCaseEndpointNameFormatter.Instance, (context, cfg) =>
            {
                cfg.ConcurrentMessageLimit = 1;
                cfg.ConfigureConsumeTopology = false;
                if (cfg is IRabbitMqReceiveEndpointConfigurator rabbit)
                {
                    rabbit.PrefetchCount = 512;
                }

                cfg.ConfigureConsumer<ReplyConsumer>(context);
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
}

internal sealed class ReplyConsumer(ReplyRouter router) :
    IConsumer<GenerationStarted>, IConsumer<GenerationChunk>, IConsumer<GenerationCompleted>, IConsumer<GenerationFailed>
{
    public Task Consume(ConsumeContext<GenerationStarted> context) => Deliver(context.Message);

    public Task Consume(ConsumeContext<GenerationChunk> context) => Deliver(context.Message);

    public Task Consume(ConsumeContext<GenerationCompleted> context) => Deliver(context.Message);

    public Task Consume(ConsumeContext<GenerationFailed> context) => Deliver(context.Message);

    private Task Deliver(IGenerationReply reply)
    {
        router.Deliver(reply);
        return Task.CompletedTask;
    }
}

/// <summary>The edge is not ready until its reply queue exists: before that no answer could reach it.</summary>
internal sealed class ReplyEndpointHealthCheck(ReplyRouter router) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(router.IsReady ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("Reply endpoint not connected yet"));
}
