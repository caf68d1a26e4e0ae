using Marten.Events.Projections;
using OrProject.Contracts.Events;

namespace OrProject.Projections.Requests;

/// <summary>
/// One admitted request in the request log: who sent it, how, what it asked and what served it, what it cost and how
/// it ended. Id is the request id. No prompt or completion text: the events it is built from carry none. Built by the
/// async daemon (<see cref="RequestLogProjection"/>), off the request's path.
/// </summary>
public class RequestLogEntry
{
    public string Id { get; set; } = "";

    public string KeyId { get; set; } = "";

    public string? Protocol { get; set; }

    public bool? Stream { get; set; }

    public string ModelRequested { get; set; } = "";

    public string? ModelServed { get; set; }

    public string? AccountId { get; set; }

    public long InputTokens { get; set; }

    public long OutputTokens { get; set; }

    public long CacheReadTokens { get; set; }

    public long CacheWriteTokens { get; set; }

    public decimal CostUsd { get; set; }

    /// <summary>One of <see cref="RequestOutcomes"/>.</summary>
    public string Outcome { get; set; } = "";

    /// <summary>The event's own words: <c>completed</c>, or why the request ended early.</summary>
    public string Detail { get; set; } = "";

    public int? Status { get; set; }

    public long? TtftMs { get; set; }

    public long? DurationMs { get; set; }

    /// <summary>When the request ended: charged, released or expired.</summary>
    public DateTimeOffset At { get; set; }

    /// <summary>Which event wrote the row; a charge replaces a release or expiry, never the other way round.</summary>
    public string Source { get; set; } = "";
}

/// <summary>How a request ended, as the request log files it (the <c>outcome</c> filter).</summary>
public static class RequestOutcomes
{
    /// <summary>An upstream answered in full.</summary>
    public const string Completed = "completed";

    /// <summary>The client left before its answer was complete (status 499).</summary>
    public const string Cancelled = "cancelled";

    /// <summary>It ended in an error: every account refused it, no worker took it, a stream broke, a worker failed.</summary>
    public const string Error = "error";

    /// <summary>Nobody settled its hold in time (its edge and its worker both stopped): what the client got is unknown.</summary>
    public const string Expired = "expired";

    public static readonly string[] All = [Completed, Cancelled, Error, Expired];

    /// <summary>
    /// A charge's outcome: 499 is a client that left; any other ending but <c>completed</c> is an error. Charges
    /// recorded before the status was (null) are errors unless completed.
    /// </summary>
    public static string Of(UsageRecorded e) =>
        e.Outcome == Completed ? Completed : e.Status == ClientLeft ? Cancelled : Error;

    public static string Of(BudgetHoldReleased e) => e.Status == ClientLeft ? Cancelled : Error;

    /// <summary>The status a request gets in the log when its client left first (nginx's).</summary>
    public const int ClientLeft = 499;
}

/// <summary>
/// The request log, from the key streams: each admitted request settles its budget hold once — a charge
/// (<see cref="UsageRecorded"/>), a release (<see cref="BudgetHoldReleased"/>) or an expiry
/// (<see cref="BudgetHoldExpired"/>) — and that event is its row. A charge can still follow an expiry (a worker that
/// reports late), so a charge always writes the whole row, and a release or expiry only fills a row no charge wrote.
/// </summary>
public class RequestLogProjection : MultiStreamProjection<RequestLogEntry, string>
{
    public const string Charge = "charge";
    public const string Release = "release";
    public const string Expiry = "expiry";

    public RequestLogProjection()
    {
        Identity<UsageRecorded>(e => e.RequestId);
        Identity<BudgetHoldReleased>(e => e.RequestId);
        Identity<BudgetHoldExpired>(e => e.RequestId);
    }

    public void Apply(RequestLogEntry row, UsageRecorded e)
    {
        row.Id = e.RequestId;
        row.KeyId = e.KeyId;
        row.Protocol = e.Protocol;
        row.Stream = e.Stream;
        row.ModelRequested = e.ModelRequested;
        row.ModelServed = e.ModelServed;
        row.AccountId = e.AccountId;
        row.InputTokens = e.InputTokens;
        row.OutputTokens = e.OutputTokens;
        row.CacheReadTokens = e.CacheReadTokens;
        row.CacheWriteTokens = e.CacheCreationTokens;
        row.CostUsd = e.CostUsd;
        row.Outcome = RequestOutcomes.Of(e);
        row.Detail = e.Outcome;
        row.Status = e.Status;
        row.TtftMs = e.TtftMs;
        row.DurationMs = e.DurationMs;
        row.At = Microseconds(e.At);
        row.Source = Charge;
    }

    public void Apply(RequestLogEntry row, BudgetHoldReleased e)
    {
        if (row.Source == Charge)
        {
            return;
        }

        row.Id = e.RequestId;
        row.KeyId = e.KeyId;
        row.Protocol = e.Protocol;
        row.Stream = e.Stream;
        row.ModelRequested = e.ModelRequested ?? "";
        row.Outcome = RequestOutcomes.Of(e);
        row.Detail = e.Outcome;
        row.Status = e.Status;
        row.DurationMs = e.DurationMs;
        row.At = Microseconds(e.At);
        row.Source = Release;
    }

    public void Apply(RequestLogEntry row, BudgetHoldExpired e)
    {
        if (row.Source == Charge)
        {
            return;
        }

        row.Id = e.RequestId;
        row.KeyId = e.KeyId;
        row.Outcome = RequestOutcomes.Expired;
        row.Detail = "the budget hold expired with nobody to settle it";
        row.DurationMs = HoldMilliseconds(e);
        row.At = Microseconds(e.At);
        row.Source = Expiry;
    }

    /// <summary>
    /// Whole microseconds, PostgreSQL's precision: the paging cursor compares the stored instant with the one read back,
    /// and a tenth of a microsecond rounded one way in the database and the other way in a parameter could skip a row.
    /// </summary>
    public static DateTimeOffset Microseconds(DateTimeOffset at) => at.AddTicks(-(at.Ticks % 10));

    private static long HoldMilliseconds(BudgetHoldExpired e) => Math.Max(0L, (long)(e.At - e.HeldAt).TotalMilliseconds);
}
