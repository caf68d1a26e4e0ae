namespace OrProject.Contracts.Events;

/// <summary>
/// A client API key was issued. Only the SHA-256 hash of the key is kept; the key is shown once. The budget period and
/// the limits came later, so they trail with defaults and older events still read (a total budget, no limits).
/// </summary>
public sealed record KeyIssued(string KeyId, string Name, string KeyHash, string Prefix, decimal BudgetUsd, string Actor, DateTimeOffset At,
    string BudgetPeriod = BudgetPeriods.Total,
    DateTimeOffset? ExpiresAt = null,
    IReadOnlyList<string>? Models = null,
    int? Rpm = null,
    int? Tpm = null,
    int? MaxConcurrency = null)
{
    /// <summary>The limits the key was issued with.</summary>
    public KeyLimits Limits => new(ExpiresAt, Models, Rpm, Tpm, MaxConcurrency);
}

/// <summary>What the cap of a key's budget compares: its whole spend, or that of the current UTC day or month.</summary>
public static class BudgetPeriods
{
    public const string Total = "total";
    public const string Daily = "daily";
    public const string Monthly = "monthly";

    public static bool IsKnown(string? period) => period is Total or Daily or Monthly;
}

/// <summary>
/// A key's controls besides its budget; null is no limit. <see cref="Models"/> is an allow-list of model ids (after
/// aliases resolve); <see cref="Tpm"/> counts input and output tokens as they are charged.
/// </summary>
public sealed record KeyLimits(DateTimeOffset? ExpiresAt, IReadOnlyList<string>? Models, int? Rpm, int? Tpm, int? MaxConcurrency)
{
    public static KeyLimits None { get; } = new(null, null, null, null, null);
}

/// <summary>An admin changed a key's limits (all of them at once: what is absent is cleared).</summary>
public sealed record KeyLimitsChanged(string KeyId, KeyLimits Previous, KeyLimits Limits, string Actor, DateTimeOffset At);

public sealed record KeyDisabled(string KeyId, string Actor, DateTimeOffset At);

public sealed record KeyEnabled(string KeyId, string Actor, DateTimeOffset At);

public sealed record BudgetChanged(string KeyId, decimal PreviousBudgetUsd, decimal BudgetUsd, string Actor, DateTimeOffset At);

/// <summary>
/// What one request cost; appended exactly once per request by the worker that ran it. <see cref="CacheCreationTokens"/>
/// is every cache write, <see cref="CacheCreation1hTokens"/> the 1-hour share of it; that share and
/// <see cref="WebSearchRequests"/> came later, so they trail with defaults and older events still read.
/// </summary>
public sealed record UsageRecorded(
    string RequestId,
    string KeyId,
    string ModelRequested,
    string ModelServed,
    string AccountId,
    long InputTokens,
    long OutputTokens,
    long CacheCreationTokens,
    long CacheReadTokens,
    decimal CostUsd,
    string Outcome,
    DateTimeOffset At,
    long CacheCreation1hTokens = 0,
    long WebSearchRequests = 0);

/// <summary>
/// A request's budget hold outlived its lifetime with nobody to settle it (the edge and the worker holding it both
/// stopped): the hold is given back. It charges nothing; if the request's usage is reported later it is still
/// recorded, once.
/// </summary>
public sealed record BudgetHoldExpired(string RequestId, string KeyId, decimal AmountUsd, DateTimeOffset HeldAt, DateTimeOffset At);
