using MassTransit;
using OrProject.Contracts.Messaging;

namespace OrProject.Worker.Generation;

/// <summary>Every worker hears every cancellation on its own temporary queue; the one running the request stops it.</summary>
internal sealed class CancelGenerationConsumer(InFlightGenerations running) : IConsumer<CancelGeneration>
{
    public Task Consume(ConsumeContext<CancelGeneration> context)
    {
        running.Cancel(context.Message.RequestId);
        return Task.CompletedTask;
    }
}
