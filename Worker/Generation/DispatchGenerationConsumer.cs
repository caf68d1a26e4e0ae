using MassTransit;
using Microsoft.Extensions.Options;
using OrProject.Contracts.Messaging;
using OrProject.ServiceDefaults;
using OrProject.Projections.Keys;
using OrProject.Projections.Requests;
using OrProject.Protocols.Anthropic;
using OrProject.Worker.Return;

namespace OrProject.Worker.Generation;

/// <summary>
/// Runs one generation: tells the edge it started, streams the upstream's events back, then charges the usage. Every
/// dispatch it takes ends with the request's budget hold settled: charged, or released when no upstream read it.
/// Never retried by the bus: a generation that already streamed tokens must not run twice. One instance serves every
/// dispatch (see <see cref="DispatchEndpoint"/>).
/// </summary>
internal sealed class DispatchGenerationConsumer(
    Generator generator,
    InFlightGenerations running,
    ReturnChannels returnChannels,
    KeyLedgerWriter ledger,
    IOptions<WorkerOptions> options,
    TimeProvider clock,
    GatewayMetrics metrics,
    ILogger<DispatchGenerationConsumer> logger)
{
    public async Task Consume(ConsumeContext<DispatchGeneration> context)
    {
        var request = context.Message;
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["RequestId"] = request.RequestId, ["KeyId"] = request.KeyId });
        await using var channel = new GrpcReplyChannel(returnChannels, request.ReplyAddress, request.RequestId, request.Capability);
        var replies = new ReplySender(channel, request.RequestId, TimeSpan.FromSeconds(options.Value.HeartbeatSeconds),
            TimeSpan.FromMilliseconds(options.Value.StartNoticeMilliseconds), context.CancellationToken);

        if (context.ReceiveContext.Redelivered)
        {
            // The worker that held this request died. The client may already have part of the answer, so the
            // request is not run again into that stream: the edge gets a well-formed failure instead, and charges
            // what it observed of the first run.
            WorkerLog.Redelivered(logger, request.RequestId);
            try
            {
                await replies.SendAsync(seq => new GenerationFailed(request.RequestId, seq, new GenerationError(500, AnthropicErrors.Api,
                    "The worker running this request stopped; the request was not retried to avoid duplicated output."), WorkerLost: true));
            }
            catch (ReplyChannelBrokenException)
            {
                // Usual: the broken return channel already told the edge, which ended the client's answer.
            }

            return;
        }

        if (running.WasCancelled(request.RequestId))
        {
            WorkerLog.Expired(logger, request.RequestId);
            await ReleaseAsync(request, "the client left while the request was queued", RequestOutcomes.ClientLeft);
            return; // its client left: nobody is waiting
        }

        if (clock.GetUtcNow() > request.Deadline)
        {
            WorkerLog.Expired(logger, request.RequestId);
            await ReleaseAsync(request, NoWorkerInTime, 529);
            return; // the edge already answered 529
        }

        var charged = false;
        // Why the request ends unanswered by an upstream, for its release below, unless it was charged.
        var (outcome, status) = ("the worker failed", 500);
        CancellationTokenSource? cancellation = null;
        try
        {
            if (await generator.WaitForCapacityAsync(request, context.CancellationToken) is not { } candidates)
            {
                WorkerLog.Expired(logger, request.RequestId);
                (outcome, status) = ("every upstream account stayed busy until the deadline", 529);
                return; // every account stayed saturated until the edge gave up: it answers 529 itself
            }

            System.Diagnostics.Activity.Current?.SetTag("orp.request_id", request.RequestId);
            metrics.QueueWait(clock.GetUtcNow() - request.RequestedAt);
            channel.Open();
            replies.Start(options.Value.Id);
            cancellation = running.Register(request.RequestId, context.CancellationToken);
            // The edge ended the call (its client left) or is gone: nobody reads this generation, stop the upstream.
            using var edgeGone = channel.Broken.Register(() => running.Cancel(request.RequestId));
            var refused = await generator.RunAsync(request, candidates, replies, cancellation.Token);
            charged = refused is null;
            // The error's type, not its message: an upstream's message may quote the request, and the log keeps no text of it.
            (outcome, status) = refused is null ? (outcome, status) : ($"no upstream account answered it ({refused.Type})", refused.Status);
        }
        catch (OperationCanceledException) when (cancellation is { IsCancellationRequested: true } && !context.CancellationToken.IsCancellationRequested)
        {
            // The client left: nobody waits for an answer.
            (outcome, status) = ("the client left", RequestOutcomes.ClientLeft);
        }
        catch (ReplyChannelBrokenException ex)
        {
            // The edge holding the client's connection is gone, or ended the call: nobody reads this generation, and
            // nobody can be told. Not this worker's fault; the upstream call stopped with the channel.
            WorkerLog.EdgeGone(logger, request.RequestId, ex.InnerException?.Message ?? ex.Message);
        }
        catch (Exception ex) when (!context.CancellationToken.IsCancellationRequested)
        {
            // Anything else is a fault of this worker. Without a reply the edge would hold its client until the queue
            // timeout, then blame overload; and the exception is not handed to the bus, which would move the dispatch
            // to an error queue for nothing (it is never run twice).
            WorkerLog.GenerationCrashed(logger, ex, request.RequestId);
            await ReportCrashAsync(replies, request.RequestId);
        }
        finally
        {
            replies.Abandon(); // no more heartbeats if the generation ended without its final message
            if (cancellation is not null)
            {
                running.Unregister(request.RequestId);
                cancellation.Dispose();
            }

            if (!charged)
            {
                // No upstream read the request (every account refused it before the first byte, or the worker failed
                // before one did): nothing to charge. After the reply, so that a slow ledger does not delay it.
                await ReleaseAsync(request, outcome, status);
            }
        }
    }

    private const string NoWorkerInTime = "no worker took the request before its deadline";

    private Task ReleaseAsync(DispatchGeneration request, string outcome, int status) =>
        ledger.ReleaseAsync(HoldReleases.For(request, outcome, status, clock.GetUtcNow()), CancellationToken.None);

    /// <summary>
    /// Tells the edge the generation failed, unless it already had the final message (the fault came after it). Mid-
    /// stream, the edge ends the client's stream with an error event and charges what it relayed.
    /// </summary>
    private async Task ReportCrashAsync(ReplySender replies, string requestId)
    {
        if (replies.Finished)
        {
            return;
        }

        try
        {
            await replies.FailAsync(seq => new GenerationFailed(requestId, seq, Generator.WorkerFailed(requestId)));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The broker is gone too: the edge notices the silence within its idle or queue timeout.
            WorkerLog.FailureNotSent(logger, ex, requestId);
        }
    }
}

/// <summary>
/// The shared <c>dispatch</c> queue every worker consumes, with no more prefetched than this process runs at once
/// (queued work stays available to other workers). Connected here with a plain handler on the one
/// <see cref="DispatchGenerationConsumer"/>: a consumer registered with the bus would cost a dependency-injection scope
/// for every request.
/// </summary>
internal sealed class DispatchEndpoint(
    IReceiveEndpointConnector connector,
    DispatchGenerationConsumer consumer,
    IOptions<WorkerOptions> options,
    RabbitMqOptions rabbit) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var concurrency = options.Value.Concurrency;
        var handle = connector.ConnectReceiveEndpoint(rabbit.QueuePrefix + BusConfiguration.DispatchQueue, (_, cfg) =>
        {
            cfg.ConcurrentMessageLimit = concurrency;
            if (cfg is IRabbitMqReceiveEndpointConfigurator queue)
            {
                queue.PrefetchCount = concurrency;
            }

            cfg.Handler<DispatchGeneration>(consumer.Consume);
        });
        try
        {
            await handle.Ready.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopped before the broker answered
        }
    }
}
