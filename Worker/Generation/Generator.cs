using Microsoft.Extensions.Options;
using OrProject.Contracts.Anthropic;
using OrProject.Contracts.Messaging;
using OrProject.Projections.Accounts;
using OrProject.Worker.Accounts;
using OrProject.Worker.Upstreams;
using OrProject.Worker.Usage;

namespace OrProject.Worker.Generation;

/// <summary>
/// Calls the upstream for one request and relays its events. Before the first byte reaches the client a failing
/// account is skipped for the next one; after it there is no silent retry, the stream ends with an error.
/// </summary>
internal sealed class Generator(
    AccountPool accounts,
    IEnumerable<IUpstreamAdapter> adapters,
    UsageCharger charger,
    IOptions<WorkerOptions> options,
    ILogger<Generator> logger)
{
    private readonly Dictionary<string, IUpstreamAdapter> _adapters = adapters.ToDictionary(a => a.Kind, StringComparer.OrdinalIgnoreCase);

    public async Task RunAsync(DispatchGeneration request, ReplySender replies, CancellationToken cancellationToken)
    {
        UpstreamFailure? lastFailure = null;
        foreach (var account in await accounts.CandidatesAsync(request.Model, cancellationToken))
        {
            if (!_adapters.TryGetValue(account.Kind, out var adapter))
            {
                continue;
            }

            using var lease = accounts.Enter(account);
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            idle.CancelAfter(IdleTimeout);
            await using var response = await adapter.SendAsync(accounts.Target(account), request, idle.Token);
            if (response.Failure is { } failure)
            {
                WorkerLog.UpstreamFailed(logger, account.Id, failure.Status, failure.Error);
                lastFailure = failure;
                if (failure.TryNextAccount && !cancellationToken.IsCancellationRequested)
                {
                    continue;
                }

                break;
            }

            await RelayAsync(request, account, response, replies, idle, cancellationToken);
            return;
        }

        var (status, type, message) = lastFailure is null
            ? (529, AnthropicErrors.Overloaded, $"No upstream account is available for model {request.Model}.")
            : (lastFailure.Status, AnthropicErrors.TypeFor(lastFailure.Status), lastFailure.Message);
        await replies.FinishAsync(seq => new GenerationFailed(request.RequestId, seq, status, type, message,
            lastFailure?.Body, (int?)lastFailure?.RetryAfter?.TotalSeconds));
    }

    private TimeSpan IdleTimeout => TimeSpan.FromSeconds(options.Value.UpstreamIdleTimeoutSeconds);

    private async Task RelayAsync(DispatchGeneration request, UpstreamAccount account, UpstreamResponse response,
        ReplySender replies, CancellationTokenSource idle, CancellationToken cancellationToken)
    {
        var observer = new StreamObserver();
        string? failure = null;
        string? upstreamError = null;
        try
        {
            await foreach (var item in response.Events.WithCancellation(idle.Token))
            {
                idle.CancelAfter(IdleTimeout);
                if (item.Event == "error")
                {
                    // Relayed by the edge as the stream's error event, with the upstream's own words.
                    upstreamError = item.Data;
                    failure = "the upstream sent an error event";
                    break;
                }

                observer.Observe(item);
                replies.Enqueue(item);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            failure = "the client disconnected";
        }
        catch (OperationCanceledException)
        {
            failure = "the upstream went silent";
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or System.Text.Json.JsonException or FormatException)
        {
            failure = "the upstream stream broke: " + ex.Message;
        }

        var complete = failure is null && observer.Stopped;
        var usage = complete ? observer.Usage : observer.ObservedUsage();
        await charger.ChargeAsync(request, account, observer, usage, complete ? "completed" : failure ?? "incomplete");

        if (complete)
        {
            await replies.FinishAsync(seq => new GenerationCompleted(request.RequestId, seq, usage, observer.StopReason));
            return;
        }

        await replies.FinishAsync(seq => new GenerationFailed(request.RequestId, seq, 529, AnthropicErrors.Overloaded,
            $"The upstream stream ended early: {failure ?? "it closed without message_stop"}.", upstreamError));
    }
}
