using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using OrProject.Contracts.Events;
using OrProject.Contracts.Messaging;
using OrProject.Contracts.Pricing;
using OrProject.Projections.Keys;
using OrProject.Protocols.Anthropic;
using OrProject.ServiceDefaults;

namespace OrProject.Api.Dispatch;

/// <summary>
/// The edge's side of the budget cap: before dispatch, hold the request's worst case (<see cref="WorstCase"/>) against
/// its key, atomically with every other edge (<see cref="KeyLedgerWriter"/>); when it does not fit, the refusal says
/// what the key can still afford. The hold is settled by whoever finishes the request: the charge deletes it (written
/// by this edge from the worker's completion, or by the worker when the request did not complete or the edge could
/// not), a release gives it back when no upstream was reached, and an expiry (<see cref="HoldSweeper"/>) when nobody did.
/// </summary>
internal sealed class BudgetHolds(KeyLedgerWriter ledger, IOptions<EdgeOptions> options, TimeProvider clock, GatewayMetrics metrics, ILogger<BudgetHolds> logger)
{
    /// <summary>Null when the hold is taken; otherwise the refusal to answer with.</summary>
    public async Task<(ApiError? Refusal, RateLimitState? Rates)> TryHoldAsync(string requestId, KeyLedger key, ModelPrice price, JsonObject canonical, int bodyBytes)
    {
        var maxTokens = canonical["max_tokens"] is JsonValue max && max.TryGetValue<long>(out var m) ? m : 0;
        // The prompt's bound, with the results of every search the request may make.
        var searches = WorstCase.Searches(canonical);
        var input = WorstCase.InputTokens(canonical, bodyBytes) + (searches * WorstCase.TokensPerSearch);
        var worst = WorstCase.CostUsd(price, input, maxTokens) + WorstCase.SearchFeesUsd(price, searches);
        var now = clock.GetUtcNow();
        var hold = new BudgetHold { Id = requestId, KeyId = key.Id, AmountUsd = worst, At = now, ExpiresAt = now + options.Value.HoldLifetime };
        HoldResult result;
        try
        {
            // Not cancellable: once queued the hold may be taken, and the pump's paths are what settle it.
            var writing = clock.GetTimestamp();
            result = await ledger.HoldAsync(hold, CancellationToken.None);
            metrics.LedgerWrite("hold", clock.GetElapsedTime(writing));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            EdgeLog.HoldFailed(logger, ex, requestId);
            return (new ApiError(529, AnthropicErrors.Overloaded, "The gateway could not reach its ledger to admit the request; retry shortly.")
            {
                ShouldRetry = true,
                RetryAfterSeconds = 1,
            }, null);
        }

        return (result switch
        {
            { Held: true } => null,
            { Known: false } => ApiError.DisabledKey,
            { Limited: { } limited } => KeyLimitRefusals.RateLimited(limited),
            _ => Unaffordable(result, price, input, maxTokens, worst, key, now),
        }, result.Rates);
    }

    /// <summary>
    /// Gives the hold back: the request never reached an upstream. <paramref name="outcome"/> and
    /// <paramref name="status"/> (what the client got) go into the release event, the request's row in the request log.
    /// Failures are logged; the hold then expires.
    /// </summary>
    public async Task ReleaseAsync(DispatchGeneration request, string outcome, int status)
    {
        try
        {
            await ledger.ReleaseAsync(HoldReleases.For(request, outcome, status, clock.GetUtcNow()), CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            EdgeLog.ReleaseFailed(logger, ex, request.RequestId);
        }
    }

    /// <summary>
    /// Says why, and what would fit: lower <c>max_tokens</c> to the largest whose worst case the budget covers (the way
    /// OpenRouter words it). When the budget would cover the request once requests in flight settle, a retry can help.
    /// </summary>
    internal static ApiError Unaffordable(HoldResult result, ModelPrice price, long input, long maxTokens, decimal worst, KeyLedger key, DateTimeOffset now)
    {
        var budget = PeriodWords(key.BudgetPeriod);
        var larger = WhatToDo(key, now);
        var unspent = result.BudgetUsd - result.SpentUsd;
        var searches = worst - WorstCase.CostUsd(price, input, maxTokens); // what max_tokens cannot lower
        var cost = $"This request may cost up to {Usd(worst)} (max_tokens {maxTokens})";
        if (unspent <= 0m)
        {
            return ApiError.Budget($"Budget exceeded for this API key: {Usd(result.SpentUsd)} of its {Usd(result.BudgetUsd)} {budget} is spent. {larger}");
        }

        if (worst <= unspent)
        {
            var inFlight = WorstCase.AffordableMaxTokens(price, input, Math.Max(0m, result.AvailableUsd - searches));
            return ApiError.BudgetBusy($"{cost}; this key's requests in flight hold {Usd(result.ReservedUsd)} of the {Usd(unspent)} left until they finish. " +
                (inFlight > 0 ? $"Retry shortly, or lower max_tokens to {inFlight}." : "Retry shortly."));
        }

        var affordable = WorstCase.AffordableMaxTokens(price, input, unspent - searches);
        return ApiError.Budget(affordable > 0
            ? $"{cost}; {Usd(unspent)} is left of this key's {Usd(result.BudgetUsd)} {budget}: lower max_tokens to {affordable} or ask for a larger budget."
            : $"{cost}; {Usd(unspent)} is left of this key's {Usd(result.BudgetUsd)} {budget}, less than its input alone may cost: shorten the request or ask for a larger budget.");
    }

    /// <summary>"budget", or "daily budget" / "monthly budget".</summary>
    internal static string PeriodWords(string period) => period == BudgetPeriods.Total ? "budget" : period + " budget";

    /// <summary>What a client whose budget is spent can do: wait for the next period (when it has one) or ask for more.</summary>
    internal static string WhatToDo(KeyLedger key, DateTimeOffset now) => KeyLedger.StartOf(key.BudgetPeriod, now) is { } start
        ? $"It renews at {(key.BudgetPeriod == BudgetPeriods.Daily ? start.AddDays(1) : start.AddMonths(1)).UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC; ask the gateway's operator for a larger budget before then."
        : "Ask the gateway's operator for a larger budget.";

    /// <summary>Dollars as people read them, to the cent from a dollar up, else to the millionth (tiny budgets).</summary>
    internal static string Usd(decimal amount) =>
        "$" + (amount >= 1m || amount == 0m
            ? decimal.Round(amount, 2, MidpointRounding.AwayFromZero).ToString("0.00", CultureInfo.InvariantCulture)
            : decimal.Round(amount, 6, MidpointRounding.AwayFromZero).ToString("0.00####", CultureInfo.InvariantCulture));
}
