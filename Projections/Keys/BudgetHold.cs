namespace OrProject.Projections.Keys;

/// <summary>
/// The worst case of one admitted request, held against its key's budget until the request is settled: charged
/// (<c>UsageRecorded</c>, in the same transaction), released (it never reached an upstream) or expired (nobody settled
/// it within its lifetime: the edge and the worker both died). Id is the request id. Holds are not events: they move
/// no money, and the budget cap is <c>spent + Σ holds ≤ budget</c>, decided under the key stream's row lock
/// (<see cref="KeyLedgerWriter"/>) so that every edge and worker sees the same sum.
/// </summary>
public sealed class BudgetHold
{
    public string Id { get; set; } = "";

    public string KeyId { get; set; } = "";

    public decimal AmountUsd { get; set; }

    public DateTimeOffset At { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>What the ledger said to a hold: taken, or refused with the figures the refusal explains.</summary>
/// <param name="Held">The hold was taken (or was already held for that request).</param>
/// <param name="Known">The key exists and is enabled; false refuses whatever the budget.</param>
/// <param name="BudgetUsd">The key's budget.</param>
/// <param name="SpentUsd">What it has spent.</param>
/// <param name="ReservedUsd">What its requests in flight hold (with this one when it was held).</param>
/// <param name="Limited">Refused by a rate or concurrency limit (before the budget is asked), and by which.</param>
/// <param name="Rates">Taken: the key's rpm/tpm buckets after this request took its share (null without those limits).</param>
public sealed record HoldResult(bool Held, bool Known, decimal BudgetUsd, decimal SpentUsd, decimal ReservedUsd, LimitRefusal? Limited = null,
    RateLimitState? Rates = null)
{
    /// <summary>What is left once every request in flight is paid at its worst case.</summary>
    public decimal AvailableUsd => BudgetUsd - SpentUsd - ReservedUsd;
}

public enum LimitKind
{
    Requests,
    Tokens,
    Concurrency,
}

/// <summary>
/// A key's rate buckets as a refusal reports them: for each limit the key has, the limit, what is left now and when
/// the bucket is full again (what <c>anthropic-ratelimit-*</c> and <c>x-ratelimit-*</c> headers say), as of <c>At</c>.
/// </summary>
public sealed record RateLimitState(DateTimeOffset At, int? Rpm, long RequestsRemaining, DateTimeOffset RequestsResetAt, int? Tpm, long TokensRemaining,
    DateTimeOffset TokensResetAt);

/// <summary>A hold refused by the key's <see cref="Kind"/> of limit: <see cref="Limit"/>, and when a retry can succeed.</summary>
public sealed record LimitRefusal(LimitKind Kind, int Limit, TimeSpan RetryAfter, RateLimitState State);
