namespace OrProject.Projections.Keys;

/// <summary>
/// A key's ledger after the first <see cref="Version"/> events of its stream, so that a point-in-time query folds
/// from here instead of from the key's first event. Valid for any instant at or after <see cref="MaxTimestamp"/>,
/// the latest timestamp among those events: such an instant includes all of them, and the fold goes on with the later
/// events, in stream order, that are not after the instant — exactly what a fold of the whole stream reads (event
/// timestamps are transaction start times, so they need not rise with the version). Derived from the log like any
/// view: rebuilt with the views, extended by <see cref="KeyCheckpoints"/>.
/// </summary>
public sealed class KeyCheckpoint
{
    /// <summary><c>{keyId}:{version}</c>, the version zero-padded.</summary>
    public string Id { get; set; } = "";

    public string KeyId { get; set; } = "";

    public long Version { get; set; }

    public DateTimeOffset MaxTimestamp { get; set; }

    /// <summary>
    /// The earliest timestamp among the events since the previous checkpoint: a query for an instant before it
    /// reads none of them, so it need not scan them.
    /// </summary>
    public DateTimeOffset MinTimestamp { get; set; }

    public KeyLedger Ledger { get; set; } = new();

    public static string IdFor(string keyId, long version) => $"{keyId}:{version:D12}";
}
