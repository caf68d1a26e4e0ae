namespace OrProject.Projections.Rebuild;

/// <summary>
/// One rebuild, as the panel and <c>./orp replay</c> follow it; written by the instance running it about once a
/// second (<see cref="UpdatedAt"/>), so a run whose instance died shows as abandoned rather than running forever.
/// </summary>
public sealed class RebuildRun
{
    public string Id { get; set; } = "";

    /// <summary><c>running</c>, <c>succeeded</c> or <c>failed</c>.</summary>
    public string State { get; set; } = RebuildStates.Running;

    /// <summary><c>folding</c>, <c>catching-up</c>, <c>writing</c>, <c>switching</c> or <c>done</c>.</summary>
    public string Phase { get; set; } = RebuildPhases.Folding;

    public string Host { get; set; } = "";

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>The last event sequence when the run began: the history it set out to fold.</summary>
    public long Target { get; set; }

    /// <summary>The sequence of the last event folded (past <see cref="Target"/> once it catches up with live appends).</summary>
    public long Position { get; set; }

    public long Events { get; set; }

    public double EventsPerSecond { get; set; }

    /// <summary>How long the switch held appends back (the exclusive lock to commit).</summary>
    public long? SwitchMilliseconds { get; set; }

    /// <summary>Time spent in each phase so far, in milliseconds.</summary>
    public Dictionary<string, long> PhaseMilliseconds { get; set; } = [];

    /// <summary>Documents written per view table.</summary>
    public Dictionary<string, int> Documents { get; set; } = [];

    public string? Error { get; set; }
}

public static class RebuildStates
{
    public const string Running = "running";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
}

public static class RebuildPhases
{
    public const string Folding = "folding";
    public const string CatchingUp = "catching-up";
    public const string Writing = "writing";
    public const string Switching = "switching";
    public const string Done = "done";
}
