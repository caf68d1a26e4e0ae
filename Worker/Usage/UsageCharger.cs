using OrProject.Contracts.Messaging;
using OrProject.Projections.Accounts;
using OrProject.ServiceDefaults;
using OrProject.Projections.Usage;
using OrProject.Protocols.Anthropic;

namespace OrProject.Worker.Usage;

/// <summary>Charges a finished (or cut short) generation, as the upstream reported it or as far as it was observed.</summary>
internal sealed class UsageCharger(UsagePricer pricer, GatewayMetrics metrics, ILogger<UsageCharger> logger)
{
    public async Task ChargeAsync(DispatchGeneration request, UpstreamAccount account, StreamObserver observer, TokenUsage usage, string outcome)
    {
        if (!observer.Started && usage.OutputTokens == 0)
        {
            // The upstream answered 200 but sent nothing: the input was still sent and may be billed upstream,
            // so it is charged at the estimate the edge would make (four characters a token).
            usage = usage with { InputTokens = Math.Max(1, request.Request.Length / 4) };
        }

        var served = observer.Model ?? request.Model;
        var cost = await pricer.CostAsync(served, request.Model, usage);
        if (cost is null)
        {
            WorkerLog.Unpriced(logger, served);
        }

        if (await pricer.RecordAsync(request, served, account.Id, usage, cost ?? 0m, outcome))
        {
            metrics.Charged(served, usage.InputTokens, usage.OutputTokens, usage.CacheCreationInputTokens, usage.CacheReadInputTokens, cost ?? 0m);
        }
    }
}
