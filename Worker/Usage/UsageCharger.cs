using OrProject.Contracts.Events;
using OrProject.Contracts.Messaging;
using OrProject.Projections.Accounts;
using OrProject.Projections.Keys;
using OrProject.ServiceDefaults;
using OrProject.Worker.Return;
using OrProject.Projections.Usage;
using OrProject.Protocols.Anthropic;

namespace OrProject.Worker.Usage;

/// <summary>Charges a finished (or cut short) generation, as the upstream reported it or as far as it was observed.</summary>
internal sealed class UsageCharger(UsagePricer pricer, GatewayMetrics metrics, TimeProvider clock, ILogger<UsageCharger> logger)
{
    /// <summary>
    /// Charges the request: <see cref="PrepareAsync"/>, then <see cref="RecordAsync"/>. A completed generation's charge
    /// goes to the edge with the completion instead, and is recorded here only when the edge could not.
    /// </summary>
    public async Task ChargeAsync(DispatchGeneration request, UpstreamAccount account, StreamObserver observer, TokenUsage usage, string outcome,
        int status, DateTimeOffset? firstEventAt) =>
        await RecordAsync(await PrepareAsync(request, account, observer, usage, outcome, status, firstEventAt));

    /// <summary>
    /// The ledger event that charges the request. <paramref name="status"/> is what the client got;
    /// <paramref name="firstEventAt"/> when the first event went to the edge. The request log's time to first token and
    /// duration are measured here, on the worker, which alone sees the upstream's first event and the end, from the
    /// edge's admission (<see cref="DispatchGeneration.RequestedAt"/>): queueing included, as the client waited for it.
    /// Both are wall-clock differences across two hosts, so a skew between their clocks shows in them (clamped at
    /// zero); the first event never comes after the end.
    /// </summary>
    public async Task<UsageRecorded> PrepareAsync(DispatchGeneration request, UpstreamAccount account, StreamObserver observer, TokenUsage usage,
        string outcome, int status, DateTimeOffset? firstEventAt)
    {
        if (!observer.Started && usage.OutputTokens == 0)
        {
            // The upstream answered 200 but sent nothing: the input was still sent and may be billed upstream,
            // so it is charged at the estimate the edge would make (four bytes a token).
            usage = usage with { InputTokens = Math.Max(1, request.CanonicalBody().Length / 4) };
        }

        var served = observer.Model ?? request.Model;
        var cost = await pricer.CostAsync(served, request.Model, usage);
        if (cost is null)
        {
            WorkerLog.Unpriced(logger, served);
        }

        var ttft = firstEventAt is { } first ? HoldReleases.Milliseconds(first - request.RequestedAt) : (long?)null;
        var duration = HoldReleases.Milliseconds(clock.GetUtcNow() - request.RequestedAt);
        return pricer.Charge(request, served, account.Id, usage, cost ?? 0m, outcome, status, ttft, duration);
    }

    /// <summary>Writes the charge to the ledger (once: a request already charged is left as it is).</summary>
    public async Task RecordAsync(UsageRecorded charge)
    {
        var writing = clock.GetTimestamp();
        var recorded = await pricer.RecordAsync(charge);
        metrics.ChargeWritten(clock.GetElapsedTime(writing), charge, recorded);
    }

    /// <summary>
    /// Sends a completed generation's last reply with its <paramref name="charge"/> (<paramref name="complete"/>: true
    /// when the edge recorded it, with its key's holds) and records the charge here when the edge did not: its write
    /// failed, it is gone, or it is of an older version. The ledger's receipt keeps it to one charge either way.
    /// </summary>
    public async Task SettleCompletedAsync(UsageRecorded charge, Func<Task<bool>> complete)
    {
        bool recorded;
        try
        {
            recorded = await complete();
        }
        catch (ReplyChannelBrokenException)
        {
            await RecordAsync(charge);
            throw;
        }

        if (!recorded)
        {
            await RecordAsync(charge);
        }
    }
}
