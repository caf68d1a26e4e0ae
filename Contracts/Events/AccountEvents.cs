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

public sealed record AccountCooledDown(string AccountId, DateTimeOffset Until, int Status, string Reason, DateTimeOffset At);

public sealed record AccountRestored(string AccountId, string Actor, DateTimeOffset At);

public sealed record AccountDisabled(string AccountId, string Reason, string Actor, DateTimeOffset At);

public sealed record AccountEnabled(string AccountId, string Actor, DateTimeOffset At);
