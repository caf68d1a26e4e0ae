using MassTransit;
using Microsoft.Extensions.Options;
using OrProject.Contracts.Events;
using OrProject.Contracts.Messaging;
using OrProject.ServiceDefaults;
using OrProject.Projections.Usage;
using OrProject.Projections.Keys;
using OrProject.Projections.Requests;
using OrProject.Protocols.Anthropic;

namespace OrProject.Api.Dispatch;

/// <summary>
/// Runs one request through the workers: sends the dispatch, waits for a worker to take it (queue timeout → 529),
/// then moves the worker's replies to the responder in order until the generation completes or fails. A client
/// that disconnects cancels the generation on whichever worker holds it. The request's budget hold is given back here
/// when no worker took it, charged here when its worker was lost or when it completed (the charge the worker sends
/// with the completion, recorded in this edge's ledger batches with the key's holds; the worker records it when told
/// this edge could not), and otherwise settled by the worker. Admission's
/// cached view of the key learns what the generation cost (<see cref="KeyLedgerCache"/>). A singleton, so it sends and
/// publishes through the bus itself (<see cref="IBus"/>), not the scoped send and publish endpoints a consumer gets.
/// </summary>
internal sealed class GenerationPump(
    IBus bus,
    ReplyRouter router,
    UsagePricer pricer,
    BudgetHolds holds,
    GatewayMetrics metrics,
    RabbitMqOptions rabbit,
    KeyLedgerCache ledgers,
    IOptions<EdgeOptions> options,
    TimeProvider clock,
    ILogger<GenerationPump> logger)
{
    public async Task RunAsync(HttpContext context, DispatchGeneration request, IGenerationResponder responder)
    {
        var aborted = context.RequestAborted;
        var edge = options.Value;
        var admittedAt = clock.GetTimestamp();
        using var replies = router.Open(request.RequestId, request.Capability);
        try
        {
            // With the broker down, a send waits for the connection to come back: bounded by the queue timeout.
            using var sending = CancellationTokenSource.CreateLinkedTokenSource(aborted);
            sending.CancelAfter(edge.QueueTimeout);
            var endpoint = await bus.GetSendEndpoint(BusConfiguration.DispatchAddress(rabbit));
            await endpoint.Send(request, send =>
            {
                send.TimeToLive = edge.QueueTimeout;
                // Not written to the broker's disk: it expires within the queue timeout anyway, and a dispatch lost
                // with a broker restart is answered by this edge (529) when that timeout ends.
                send.Durable = false;
            }, sending.Token);
        }
        catch (Exception ex)
        {
            // The broker is unreachable (MassTransit gives up waiting with an OperationCanceledException, too), or the
            // client left first. Either way no worker has the request: its hold goes back.
            if (aborted.IsCancellationRequested)
            {
                await holds.ReleaseAsync(request, "the client left before the request was queued", RequestOutcomes.ClientLeft);
                return;
            }

            await holds.ReleaseAsync(request, "the gateway could not queue the request", 529);

            EdgeLog.DispatchFailed(logger, ex, request.RequestId);
            await responder.WriteErrorAsync(context, ApiError.Overloaded("The gateway could not queue the request."));
            return;
        }

        var taken = false;
        var started = false;
        var observed = new StreamObserver();
        string? accountId = null;
        var charged = false;
        long? ttftMs = null; // for the request log, when this edge charges (a lost worker): as the client saw it

        async Task WriteEventsAsync(IReadOnlyList<SseEvent> events)
        {
            if (!started)
            {
                var first = clock.GetElapsedTime(admittedAt);
                metrics.FirstToken(first);
                ttftMs = HoldReleases.Milliseconds(first);
                started = true;
            }

            foreach (var item in events)
            {
                observed.Observe(item);
            }

            await responder.WriteEventsAsync(context, events);
        }

        try
        {
            // A worker respects the deadline; past it (and a moment for its first message) none has the request.
            var first = await replies.ReadAsync(edge.QueueTimeout + edge.DeadlineGrace, aborted);
            if (first is null)
            {
                await holds.ReleaseAsync(request, "no worker took the request in time", 529);
                await responder.WriteErrorAsync(context, ApiError.Overloaded("No worker took the request in time; the gateway is overloaded."));
                return;
            }

            taken = true; // from here on the worker settles the hold, unless it is lost
            for (var reply = first; ; reply = await replies.ReadAsync(edge.IdleTimeout, aborted))
            {
                switch (reply)
                {
                    case null:
                        // No chunk and no heartbeat for the idle timeout: the worker is gone.
                        await ChargeLostAsync(request, observed, accountId, "the worker was lost",
                            Status(request, started, 529), ttftMs, HoldReleases.Milliseconds(clock.GetElapsedTime(admittedAt)));
                        await FailAsync(context, responder, started, ApiError.Overloaded("The generation stalled: its worker stopped answering."));
                        await CancelAsync(request.RequestId);
                        return;
                    case GenerationStarted:
                        break;
                    case GenerationChunk { Events.Count: 0 }:
                        break; // a heartbeat: the worker is alive
                    case GenerationChunk chunk:
                        accountId ??= chunk.AccountId;
                        await WriteEventsAsync(chunk.Events);
                        break;
                    case GenerationCompleted completed:
                        if (completed.Events is { Count: > 0 } tail)
                        {
                            await WriteEventsAsync(tail);
                        }

                        // Before the answer ends: the client's next request must be admitted knowing this charge.
                        if (completed.Charge is { } charge)
                        {
                            replies.ChargeRecorded(await RecordChargeAsync(request, charge));
                        }
                        else
                        {
                            await NoteChargeAsync(request, completed.Usage); // a worker of an older version recorded it
                        }

                        charged = true;
                        await responder.CompleteAsync(context);
                        return;
                    case GenerationFailed failed:
                        if (failed.WorkerLost || started)
                        {
                            // The worker that ran it died (a redelivery says so), or it failed mid-stream: charge what
                            // was observed. A worker charges before it reports a failure, so the receipt makes this a
                            // no-op unless that worker is the one that died.
                            await ChargeLostAsync(request, observed, accountId, "the stream failed: " + failed.Error.Message,
                                Status(request, started, failed.Error.Status), ttftMs, HoldReleases.Milliseconds(clock.GetElapsedTime(admittedAt)));
                        }

                        await FailAsync(context, responder, started, ApiError.From(failed.Error));
                        return;
                }
            }
        }
        catch (Exception ex) when (aborted.IsCancellationRequested && ex is OperationCanceledException or IOException)
        {
            if (!taken)
            {
                // The client left while the request was queued: a worker that takes it later hears the cancellation
                // and gives the hold back; if none takes it, this does, once no worker can.
                _ = ReleaseUntakenAsync(request);
            }

            await CancelAsync(request.RequestId);
        }
        finally
        {
            if (!charged)
            {
                ledgers.Forget(request.KeyId); // failed, cut short or cancelled: whatever was charged, read it again
            }
        }
    }

    private async Task ReleaseUntakenAsync(DispatchGeneration request)
    {
        var wait = request.Deadline + options.Value.DeadlineGrace - clock.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, clock);
        }

        await holds.ReleaseAsync(request, "the client left while the request was queued", RequestOutcomes.ClientLeft);
    }

    /// <summary>What the client got: a stream that started is a 200 ending with an error event; else the error's status.</summary>
    private static int Status(DispatchGeneration request, bool started, int error) => request.Stream && started ? 200 : error;

    /// <summary>
    /// Records the charge a worker sent with its completion, through this edge's ledger writer: in the same
    /// transactions as the key's holds, so that the two never wait for each other's row lock across processes. True
    /// when the charge is in the ledger (now, or already); false tells the worker to record it itself.
    /// </summary>
    private async Task<bool> RecordChargeAsync(DispatchGeneration request, UsageRecorded charge)
    {
        if (charge.RequestId != request.RequestId || charge.KeyId != request.KeyId)
        {
            EdgeLog.ChargeMismatch(logger, request.RequestId, charge.RequestId, charge.KeyId);
            return false;
        }

        try
        {
            var writing = clock.GetTimestamp();
            var recorded = await pricer.RecordAsync(charge);
            metrics.ChargeWritten(clock.GetElapsedTime(writing), charge, recorded);
            ledgers.Charged(request.KeyId, charge.CostUsd);
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            EdgeLog.ChargeFailed(logger, ex, request.RequestId);
            return false;
        }
    }

    private async Task NoteChargeAsync(DispatchGeneration request, TokenUsage usage)
    {
        // The worker prices the model the upstream names, falling back to this one; the difference only matters until
        // the cached view is next read.
        ledgers.Charged(request.KeyId, await pricer.CostAsync(request.Model, request.Model, usage) ?? 0m);
    }

    /// <summary>
    /// Settles a request whose worker was lost: what the client received, never twice. A worker that took the
    /// request called its upstream at once, so one lost before any event is charged the input estimate (four
    /// bytes of the request a token): the upstream read the input, and saying nothing would leave the hold to expire.
    /// </summary>
    private async Task ChargeLostAsync(DispatchGeneration request, StreamObserver observed, string? accountId, string outcome,
        int status, long? ttftMs, long durationMs)
    {
        var usage = observed.Started
            ? observed.ObservedUsage()
            : new TokenUsage(TokenEstimator.FromCharacters(request.CanonicalBody().Length), 0, 0, 0);
        var served = observed.Model ?? request.Model;
        try
        {
            var cost = await pricer.CostAsync(served, request.Model, usage) ?? 0m;
            await pricer.RecordAsync(request, served, accountId ?? "unknown", usage, cost, outcome, status, ttftMs, durationMs);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            EdgeLog.ChargeFailed(logger, ex, request.RequestId);
        }
    }

    private static Task FailAsync(HttpContext context, IGenerationResponder responder, bool started, ApiError error) =>
        started ? responder.FailAfterStartAsync(context, error) : responder.WriteErrorAsync(context, error);

    private async Task CancelAsync(string requestId)
    {
        EdgeLog.ClientGone(logger, requestId);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await bus.Publish(new CancelGeneration(requestId), timeout.Token);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            EdgeLog.CancelFailed(logger, ex, requestId);
        }
    }

    public DateTimeOffset Deadline() => clock.GetUtcNow() + options.Value.QueueTimeout;
}
