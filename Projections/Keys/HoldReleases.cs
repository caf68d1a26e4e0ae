using OrProject.Contracts.Events;
using OrProject.Contracts.Messaging;

namespace OrProject.Projections.Keys;

/// <summary>The release event of a request that no upstream read, with what the request log shows of it.</summary>
public static class HoldReleases
{
    /// <summary>
    /// Duration is measured from the edge's admission (<see cref="DispatchGeneration.RequestedAt"/>) on the clock of
    /// whoever releases; <see cref="KeyLedgerWriter.ReleaseAsync"/> fills in the hold's amount and time.
    /// </summary>
    public static BudgetHoldReleased For(DispatchGeneration request, string outcome, int status, DateTimeOffset now) =>
        new(request.RequestId, request.KeyId, 0m, request.RequestedAt, now, outcome, status, request.Protocol, request.Stream,
            request.ModelRequested, request.Model, Milliseconds(now - request.RequestedAt));

    /// <summary>Whole milliseconds, never negative (the edge's and a worker's clocks may disagree a little).</summary>
    public static long Milliseconds(TimeSpan elapsed) => Math.Max(0L, (long)elapsed.TotalMilliseconds);
}
