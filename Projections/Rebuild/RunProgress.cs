using System.Diagnostics;
using Marten;

namespace OrProject.Projections.Rebuild;

/// <summary>The run's record, saved when its phase changes and about once a second while it folds.</summary>
internal sealed class RunProgress(IDocumentStore store, TimeProvider clock, RebuildRun run, Stopwatch watch)
{
    private TimeSpan _savedAt;
    private TimeSpan _phaseStartedAt;

    public void Enter(string phase)
    {
        run.PhaseMilliseconds[run.Phase] = run.PhaseMilliseconds.GetValueOrDefault(run.Phase) + (long)(watch.Elapsed - _phaseStartedAt).TotalMilliseconds;
        _phaseStartedAt = watch.Elapsed;
        run.Phase = phase;
    }

    public async Task ReportAsync(ViewFold fold, CancellationToken cancellationToken)
    {
        run.Position = fold.Position;
        run.Events = fold.Events;
        run.EventsPerSecond = Math.Round(fold.Events / Math.Max(0.001, watch.Elapsed.TotalSeconds));
        if (watch.Elapsed - _savedAt >= TimeSpan.FromSeconds(1))
        {
            await SaveAsync(cancellationToken);
        }
    }

    public async Task SaveAsync(CancellationToken cancellationToken)
    {
        _savedAt = watch.Elapsed;
        run.UpdatedAt = clock.GetUtcNow();
        await using var session = store.LightweightSession();
        session.Store(run);
        await session.SaveChangesAsync(cancellationToken);
    }
}
