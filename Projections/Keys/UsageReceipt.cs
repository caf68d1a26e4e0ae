namespace OrProject.Projections.Keys;

/// <summary>
/// Written in the same transaction as a request's <c>UsageRecorded</c>: its id is the request id, so a second
/// attempt to charge the same request finds it and is skipped. Exactly once per request.
/// </summary>
public sealed class UsageReceipt
{
    public string Id { get; set; } = "";

    public string KeyId { get; set; } = "";

    public decimal CostUsd { get; set; }

    public DateTimeOffset At { get; set; }
}
