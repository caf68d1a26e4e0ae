namespace OrProject.Projections.Rebuild;

/// <summary>Rebuilds and point-in-time queries (<c>Replay</c> section).</summary>
public sealed class ReplayOptions
{
    public const string Section = "Replay";

    /// <summary>A key checkpoint every so many events of its stream: a point-in-time query folds at most this many.</summary>
    public int CheckpointEvery { get; set; } = 1000;

    /// <summary>How often the projection host writes the checkpoints keys have earned since the last sweep.</summary>
    public int CheckpointSweepSeconds { get; set; } = 60;

    /// <summary>Events read from the log per page while rebuilding.</summary>
    public int PageSize { get; set; } = 5000;

    /// <summary>
    /// A rebuild catches up with live appends until fewer than this many events remain, then switches (the switch
    /// folds the rest while appends wait, so this bounds how long they wait).
    /// </summary>
    public int SwitchWithin { get; set; } = 2000;

    /// <summary>Request-log rows a rebuild holds before writing them out (its memory for that view: a few MB).</summary>
    public int RequestLogBatch { get; set; } = 10_000;
}
