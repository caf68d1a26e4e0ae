using OrProject.Contracts.Anthropic;
using OrProject.Contracts.Events;
using OrProject.Contracts.Messaging;
using OrProject.Contracts.Pricing;
using OrProject.Projections.Accounts;
using OrProject.Projections.Settings;

namespace OrProject.Worker.Usage;

/// <summary>Prices a finished (or cut short) generation from the live price table and records it once.</summary>
internal sealed class UsageCharger(UsageLedgerWriter ledger, SettingsReader settings, TimeProvider clock, ILogger<UsageCharger> logger)
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
        var table = (await settings.GetAsync(CancellationToken.None)).Prices;
        var price = PriceCatalog.Find(table, served) ?? PriceCatalog.Find(table, request.Model);
        if (price is null)
        {
            WorkerLog.Unpriced(logger, served);
        }

        var cost = price is null ? 0m : PriceCatalog.Cost(price, usage.InputTokens, usage.OutputTokens,
            usage.CacheCreationInputTokens, usage.CacheReadInputTokens);
        var recorded = new UsageRecorded(request.RequestId, request.KeyId, request.ModelRequested, served, account.Id,
            usage.InputTokens, usage.OutputTokens, usage.CacheCreationInputTokens, usage.CacheReadInputTokens, cost, outcome,
            clock.GetUtcNow());

        // Not cancellable: a client that left is still charged for what it consumed.
        await ledger.RecordAsync(recorded, CancellationToken.None);
    }
}
