namespace OrProject.Contracts.Messaging;

/// <summary>
/// One server-sent event of the canonical stream: the SSE event name and its one-line JSON data, kept as the
/// upstream sent it so that signatures and unknown fields pass through byte for byte.
/// </summary>
public sealed record SseEvent(string Event, string Data);
