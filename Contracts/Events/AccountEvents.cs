namespace OrProject.Contracts.Events;

/// <summary>An upstream account joined the pool. <see cref="ProtectedApiKey"/> is encrypted at rest.</summary>
public sealed record AccountAdded(
    string AccountId,
    string Name,
    string Kind,
    string BaseUrl,
    string ProtectedApiKey,
    int Weight,
    IReadOnlyList<string> Models,
    string Actor,
    DateTimeOffset At,
    int MaxConcurrency = 0);

/// <summary>A request moved away from this account before its first byte, with the reason.</summary>
public sealed record AccountRotated(string AccountId, string RequestId, int Status, string Reason, DateTimeOffset At);

/// <summary>
/// The account is out of rotation until <see cref="Until"/>. With <see cref="Probe"/> (its circuit opened after repeated
/// failures) it does not come back by the clock alone: once the time is up one request at a time probes it, and the
/// first that succeeds restores it.
/// </summary>
public sealed record AccountCooledDown(string AccountId, DateTimeOffset Until, int Status, string Reason, DateTimeOffset At, bool Probe = false);

/// <summary>The account is back in rotation: its cooldown ran out, a probe succeeded (<see cref="Reason"/>), or an admin restored it.</summary>
public sealed record AccountRestored(string AccountId, string Actor, DateTimeOffset At, string? Reason = null);

public sealed record AccountDisabled(string AccountId, string Reason, string Actor, DateTimeOffset At);

public sealed record AccountEnabled(string AccountId, string Actor, DateTimeOffset At);
