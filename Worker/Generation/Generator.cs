using Microsoft.Extensions.Options;
using OrProject.Contracts.Messaging;
using OrProject.Projections.Accounts;
using OrProject.Projections.Requests;
using OrProject.Projections.Settings;
using OrProject.Worker.Accounts;
using OrProject.Worker.Upstreams;
using OrProject.Worker.Usage;
using OrProject.Protocols.Anthropic;

namespace OrProject.Worker.Generation;

/// <summary>
/// Calls the upstream for one request and relays its events. Before the first byte reaches the client a failing
/// account is skipped for the next one (or, for a server error or dropped connection on the request's only account,
/// tried once more); after it there is no silent retry, the stream ends with an error.
/// </summary>
internal sealed class Generator(
    AccountPool accounts,
    IEnumerable<IUpstreamAdapter> adapters,
    UsageCharger charger,
    AccountHealthRecorder health,
    AccountCircuits circuits,
    SettingsReader settings,
    TimeProvider clock,
    IOptions<WorkerOptions> options,
    ILogger<Generator> logger)
{
    private readonly Dictionary<string, IUpstreamAdapter> _adapters = adapters.ToDictionary(a => a.Kind, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Waits while every account that could serve the request is at its concurrency limit, up to the request's
    /// deadline: the request then still counts as queued, and the edge answers 529 when the time is up (null).
    /// Returns the accounts to try, in order (none when no account serves the model).
    /// </summary>
    public async Task<IReadOnlyList<UpstreamAccount>?> WaitForCapacityAsync(DispatchGeneration request, CancellationToken cancellationToken)
    {
        while (true)
        {
            var candidates = await accounts.CandidatesAsync(request.Model, request.Affinity, cancellationToken);
            if (candidates.Count == 0 || candidates.Any(accounts.HasCapacity))
            {
                return candidates;
            }

            if (clock.GetUtcNow() >= request.Deadline)
            {
                return null;
            }

            await Task.Delay(CapacityPoll, cancellationToken);
        }
    }

    /// <summary>
    /// Tries <paramref name="candidates"/> (from <see cref="WaitForCapacityAsync"/>) in order. Null when the request
    /// was charged (an upstream read it); otherwise every account refused it before the first byte, and this is the
    /// error the edge was sent.
    /// </summary>
    public async Task<GenerationError?> RunAsync(DispatchGeneration request, IReadOnlyList<UpstreamAccount> candidates, ReplySender replies,
        CancellationToken cancellationToken)
    {
        if ((await settings.GetAsync(cancellationToken)).ToolMode == "flatten")
        {
            request = Flattened(request);
        }

        var failures = new List<UpstreamFailure>();
        var tries = candidates.ToList();
        var retriedHere = false;
        for (var i = 0; i < tries.Count; i++)
        {
            var account = tries[i];
            if (!_adapters.TryGetValue(account.Kind, out var adapter) || !accounts.HasCapacity(account))
            {
                continue;
            }

            // A half-open circuit takes one probe at a time from this worker; other requests move on, unless it is
            // their only account (the last resort when every account is out).
            var halfOpen = account.StatusAt(clock.GetUtcNow()) == AccountStatus.Probing;
            using var probe = halfOpen ? circuits.TryProbe(account.Id) : null;
            if (halfOpen && probe is null && tries.Count > 1)
            {
                continue;
            }

            using var lease = accounts.Enter(account);
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            idle.CancelAfter(IdleTimeout);
            UpstreamResponse response;
            try
            {
                response = await adapter.SendAsync(accounts.Target(account), request, idle.Token);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The client left while the upstream was reading the request: it read the input, which is charged
                // at the estimate (the upstream never said how many tokens it was).
                await charger.ChargeAsync(request, account, new StreamObserver(), TokenUsage.Zero, "the client left before the first byte",
                    RequestOutcomes.ClientLeft, firstEventAt: null);
                return null;
            }

            await using var _ = response;
            if (response.Failure is not { } failure)
            {
                try
                {
                    await health.RecordSuccessAsync(account, CancellationToken.None);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // The answer is on its way; restoring the account is bookkeeping, and the next success retries it.
                    WorkerLog.ProbeNotRecorded(logger, ex, account.Id);
                }

                replies.AccountId = account.Id;
                await RelayAsync(request, account, response, replies, idle, cancellationToken);
                return null;
            }

            WorkerLog.UpstreamFailed(logger, account.Id, failure.Status, failure.Error);
            failures.Add(failure);
            if (!failure.TryNextAccount || cancellationToken.IsCancellationRequested)
            {
                break; // the request itself was refused (400 and the like): another account would refuse it too
            }

            WorkerLog.Rotated(logger, request.RequestId, account.Id, failure.Status);
            var stillInRotation = await health.RecordFailureAsync(account, request.RequestId, failure);
            if (stillInRotation && i == tries.Count - 1 && failures.Count == 1 && !retriedHere && IsTransient(failure))
            {
                // One server error or dropped connection is not the account's verdict, and this request has no other
                // account to move to: it gets one more try on the same one.
                retriedHere = true;
                tries.Add(account);
            }
        }

        var error = failures.Count == 0 ? await NoAccountAsync(request, cancellationToken) : Outcome(failures);
        await replies.FailAsync(seq => new GenerationFailed(request.RequestId, seq, error));
        return error;
    }


    /// <summary>
    /// One clear answer when no account could serve: the upstream's own refusal of a bad request, 429 when every
    /// account is rate limited, else 529. The upstream's error body is relayed when its status is the one returned.
    /// </summary>
    private static GenerationError Outcome(List<UpstreamFailure> failures)
    {
        var last = failures[^1];
        if (!last.TryNextAccount)
        {
            return new GenerationError(last.Status, AnthropicErrors.TypeFor(last.Status), last.Message, last.Body);
        }

        var retryAfter = failures.Where(f => f.RetryAfter is not null).Select(f => (int?)Math.Ceiling(f.RetryAfter!.Value.TotalSeconds)).Min();
        return failures.All(f => f.Error == UpstreamError.RateLimited)
            ? new GenerationError(429, AnthropicErrors.RateLimit, "Every upstream account is rate limited; retry later.", last.Status == 429 ? last.Body : null, retryAfter)
            : new GenerationError(529, AnthropicErrors.Overloaded, $"Every upstream account failed ({string.Join(", ", failures.Select(f => f.Status))}).",
                last.Status == 529 ? last.Body : null, retryAfter);
    }

    /// <summary>
    /// No account was tried: when the ones serving the model are waiting out an upstream's rate limit, 429 with the time
    /// until the first comes back (the SDKs wait that long); else 529, none is available.
    /// </summary>
    private async Task<GenerationError> NoAccountAsync(DispatchGeneration request, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var waits = (await accounts.AllAsync(cancellationToken))
            .Where(a => !a.Disabled && a.Serves(request.Model) && a.RateLimited && a.CooldownUntil > now)
            .Select(a => a.CooldownUntil!.Value - now)
            .ToList();
        if (waits.Count == 0)
        {
            return new GenerationError(529, AnthropicErrors.Overloaded, $"No upstream account is available for model {request.Model}.");
        }

        var seconds = Math.Max(1, (int)Math.Ceiling(waits.Min().TotalSeconds));
        return new GenerationError(429, AnthropicErrors.RateLimit,
            $"Every upstream account for model {request.Model} is rate limited by its upstream; retry in {seconds} s.", RetryAfterSeconds: seconds);
    }

    private static bool IsTransient(UpstreamFailure failure) =>
        failure.Error is UpstreamError.ServerError or UpstreamError.ConnectFailed or UpstreamError.TimedOut or UpstreamError.BodyFailed;

    private static DispatchGeneration Flattened(DispatchGeneration request)
    {
        var body = System.Text.Json.Nodes.JsonNode.Parse(request.CanonicalBody())!.AsObject();
        ToolFlattener.Flatten(body);
        return request with { Body = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(body), Request = null };
    }

    private const string ClientDisconnected = "the client disconnected";

    private static readonly TimeSpan CapacityPoll = TimeSpan.FromMilliseconds(25);

    private TimeSpan IdleTimeout => TimeSpan.FromSeconds(options.Value.UpstreamIdleTimeoutSeconds);

    private async Task RelayAsync(DispatchGeneration request, UpstreamAccount account, UpstreamResponse response,
        ReplySender replies, CancellationTokenSource idle, CancellationToken cancellationToken)
    {
        var observer = new StreamObserver();
        DateTimeOffset? firstEventAt = null;
        string? failure = null;
        string? upstreamError = null;
        var crashed = false;
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
                firstEventAt ??= clock.GetUtcNow();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            failure = ClientDisconnected;
        }
        catch (OperationCanceledException)
        {
            failure = "the upstream went silent";
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or System.Text.Json.JsonException or FormatException)
        {
            failure = "the upstream stream broke: " + ex.Message;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A fault of this worker's own code (an adapter, a translation) rather than of the upstream. The upstream
            // read the request all the same, so it is charged like a broken stream; the client hears it at once.
            WorkerLog.GenerationCrashed(logger, ex, request.RequestId);
            failure = "the worker failed: " + ex.Message;
            crashed = true;
        }

        var complete = failure is null && observer.Stopped;
        if (complete)
        {
            replies.EndOfEvents(); // what is not sent yet goes with the completion and its charge
        }

        var usage = complete ? observer.Usage : observer.ObservedUsage();
        // What the client got: a stream that started stays 200 and ends with an error event; otherwise the failure's
        // status (see the replies below and the edge's responders).
        var status = complete ? 200
            : failure == ClientDisconnected ? RequestOutcomes.ClientLeft
            : request.Stream && firstEventAt is not null ? 200
            : crashed ? 500 : 529;
        var charge = await charger.PrepareAsync(request, account, observer, usage, complete ? "completed" : failure ?? "incomplete", status, firstEventAt);
        if (complete)
        {
            // The edge records a completion's charge with its key's holds (one writer, one row lock, no waiting between
            // processes) before the client's answer ends.
            await charger.SettleCompletedAsync(charge,
                () => replies.CompleteAsync((seq, tail) => new GenerationCompleted(request.RequestId, seq, usage, observer.StopReason, tail, charge)));
            return;
        }

        await charger.RecordAsync(charge);

        if (crashed)
        {
            await replies.FailAsync(seq => new GenerationFailed(request.RequestId, seq, WorkerFailed(request.RequestId)));
            return;
        }

        await replies.FailAsync(seq => new GenerationFailed(request.RequestId, seq, new GenerationError(529, AnthropicErrors.Overloaded,
            $"The upstream stream ended early: {failure ?? "it closed without message_stop"}.", upstreamError)));
    }

    /// <summary>
    /// What the client reads when this worker failed on its request: no internals (the exception is in the worker's
    /// log), but the request id, which finds that log entry.
    /// </summary>
    public static GenerationError WorkerFailed(string requestId) =>
        new(500, AnthropicErrors.Api, $"The gateway's worker failed on request {requestId}; see its log.");
}
