using Marten;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OrProject.Admin.Replay;
using OrProject.Projections.Rebuild;

namespace OrProject.Admin.Pages;

/// <summary>What the panel shows of a rebuild: the banner on every panel page while one runs, and how far it is.</summary>
internal static class RebuildProgress
{
    /// <summary>
    /// The rebuild running now on any instance, or null: none runs (an abandoned one does not count), or the host has no
    /// document store to ask. One small query: the run table holds one row per rebuild ever started.
    /// </summary>
    public static async Task<RebuildStatusResponse?> RunningAsync(HttpContext context)
    {
        if (context.RequestServices.GetService<IQuerySession>() is not { } session)
        {
            return null;
        }

        var run = await ViewRebuilder.LatestAsync(session, context.RequestAborted);
        if (run is null)
        {
            return null;
        }

        var clock = context.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System;
        var status = RebuildStatusResponse.From(run, clock.GetUtcNow());
        return status.State == RebuildStates.Running ? status : null;
    }

    /// <summary>
    /// How far the fold is through the history the run set out to fold, 0–100. The target is known a moment after the
    /// run starts (0 until then); the position passes it once the run folds what live traffic appended meanwhile.
    /// </summary>
    public static int Percent(RebuildStatusResponse run)
    {
        if (run.State == RebuildStates.Succeeded)
        {
            return 100;
        }

        if (run.Target <= 0)
        {
            return run.Phase == RebuildPhases.Folding ? 0 : 100;
        }

        return (int)Math.Clamp(run.Position * 100 / run.Target, 0, 100);
    }
}
