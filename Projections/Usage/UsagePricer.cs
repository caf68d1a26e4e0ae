using OrProject.Contracts.Events;
using OrProject.Contracts.Messaging;
using OrProject.Contracts.Pricing;
using OrProject.Projections.Keys;
using OrProject.Projections.Settings;

namespace OrProject.Projections.Usage;

/// <summary>Prices token usage from the live price table and records it once, through the per-key ledger writer.</summary>
public sealed class UsagePricer(KeyLedgerWriter ledger, SettingsReader settings, TimeProvider clock)
{
    /// <summary>The cost, or null when neither the served nor the requested model has a price.</summary>
    public async Task<decimal?> CostAsync(string served, string requested, TokenUsage usage)
    {
        var table = (await settings.GetAsync(CancellationToken.None)).PriceTable();
        var price = PriceCatalog.Find(table, served) ?? PriceCatalog.Find(table, requested);
        return price is null ? null : PriceCatalog.Cost(price, usage);
    }

    /// <summary>
    /// Appends <see cref="UsageRecorded"/> unless the request was already charged (then false). Not cancellable:
    /// a client that left is still charged for what it consumed. <paramref name="status"/>, <paramref name="ttftMs"/>
    /// and <paramref name="durationMs"/> are for the request log, measured by the caller from the edge's admission.
    /// </summary>
    public Task<bool> RecordAsync(DispatchGeneration request, string served, string accountId, TokenUsage usage, decimal cost, string outcome,
        int? status = null, long? ttftMs = null, long? durationMs = null) =>
        RecordAsync(Charge(request, served, accountId, usage, cost, outcome, status, ttftMs, durationMs));

    /// <summary>The event that charges <paramref name="request"/>, as of now, for <see cref="RecordAsync(UsageRecorded)"/>.</summary>
    public UsageRecorded Charge(DispatchGeneration request, string served, string accountId, TokenUsage usage, decimal cost, string outcome,
        int? status = null, long? ttftMs = null, long? durationMs = null) =>
        new(request.RequestId, request.KeyId, request.ModelRequested, served, accountId,
            usage.InputTokens, usage.OutputTokens, usage.CacheCreationInputTokens, usage.CacheReadInputTokens, cost, outcome,
            clock.GetUtcNow(), usage.CacheCreation1hInputTokens, usage.WebSearchRequests, request.Protocol, request.Stream, status, ttftMs,
            durationMs);

    /// <summary>Appends <paramref name="usage"/> unless its request was already charged (then false). Not cancellable.</summary>
    public Task<bool> RecordAsync(UsageRecorded usage) => ledger.RecordAsync(usage, CancellationToken.None);
}
