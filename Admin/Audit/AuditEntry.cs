namespace OrProject.Admin.Audit;

/// <summary>One field an admin event changed, as text: <c>null</c> before means it did not exist yet, after means removed.</summary>
public sealed record AuditChange(string Field, string? Before, string? After);

/// <summary>One admin event for the audit log: who, when, on which stream, and what changed.</summary>
public sealed record AuditEntry(long Seq, DateTimeOffset At, string Actor, string StreamId, string Event, IReadOnlyList<AuditChange> Changes);
