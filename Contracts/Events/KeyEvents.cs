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
/// is every cache write, <see cref="CacheCreation1hTokens"/> the 1-hour share of it; that share,
/// <see cref="WebSearchRequests"/> and the request log's fields after it came later, so they trail with defaults and
/// older events still read (null there: not known for events recorded before the field existed).
/// <see cref="Outcome"/> is <c>completed</c>, or why the request ended early (<c>the client disconnected</c>, …).
/// For the request log: <see cref="Protocol"/> is the client's (<c>anthropic</c>, <c>chat</c> for Chat Completions,
/// <c>responses</c>); <see cref="Stream"/> whether it asked for a stream; <see cref="Status"/> the HTTP status it got
/// (499 when it left before its answer was complete); <see cref="TtftMs"/> the time from the edge's admission to the
/// first event relayed to it (null when none was) and <see cref="DurationMs"/> from admission to the charge.
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
    long WebSearchRequests = 0,
    string? Protocol = null,
    bool? Stream = null,
    int? Status = null,
    long? TtftMs = null,
    long? DurationMs = null);

/// <summary>
/// A request's budget hold outlived its lifetime with nobody to settle it (the edge and the worker holding it both
/// stopped): the hold is given back. It charges nothing; if the request's usage is reported later it is still
/// recorded, once.
/// </summary>
public sealed record BudgetHoldExpired(string RequestId, string KeyId, decimal AmountUsd, DateTimeOffset HeldAt, DateTimeOffset At);

/// <summary>
/// A request's budget hold was given back without a charge: no upstream read the request (every account refused it,
/// no worker took it in time, the client left while it was queued, the worker failed before calling one). It charges
/// nothing; it is appended only when the hold was still there, so a request settles once, by a charge, a release or
/// an expiry, and every admitted request leaves an event the request log reads. <see cref="AmountUsd"/> is the hold
/// given back, <see cref="HeldAt"/> when it was taken; <see cref="Outcome"/> says why the request ended without an
/// upstream's answer and <see cref="Status"/> what the client got (499: it left first); the rest as in
/// <see cref="UsageRecorded"/>, <see cref="Model"/> being the model it resolved to.
/// </summary>
public sealed record BudgetHoldReleased(
    string RequestId,
    string KeyId,
    decimal AmountUsd,
    DateTimeOffset HeldAt,
    DateTimeOffset At,
    string Outcome,
    int Status,
    string? Protocol = null,
    bool? Stream = null,
    string? ModelRequested = null,
    string? Model = null,
    long? DurationMs = null);
