using Marten;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using OrProject.Admin.Replay;
using OrProject.Projections.Rebuild;

namespace OrProject.Admin.Pages.Panel;

/// <summary>
/// <c>/admin/replay</c>: the latest rebuild of the views (on any instance) and a button that starts one. The page
/// reloads itself every <see cref="RefreshSeconds"/> seconds while a rebuild runs.
/// </summary>
internal sealed partial class ReplayModel(IQuerySession session, ViewRebuilder rebuilder, TimeProvider clock, ILogger<ReplayModel> logger)
    : AdminPageModel
{
    public const int RefreshSeconds = 2;

    /// <summary>The latest run, as the JSON API shows it (<c>abandoned</c> when its instance stopped reporting); null if none ran.</summary>
    public RebuildStatusResponse? Latest { get; private set; }

    public DateTimeOffset Now { get; private set; }

    /// <summary>
    /// A rebuild is under way: the latest run says so, or this instance has just started one whose first record is
    /// not saved yet (right after the button's redirect, the latest run may still be the previous one).
    /// </summary>
    public bool Running { get; private set; }

    public async Task OnGetAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        if (Running)
        {
            ViewData["RefreshSeconds"] = RefreshSeconds;
        }
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        await LoadAsync(ct);
        if (Running)
        {
            Flash("A rebuild is already running; this page follows it.");
            return RedirectToPage();
        }

        // Not awaited: a rebuild takes as long as the log is long, and its progress is saved in the database for this
        // page to show. The run is tied to no request. A failure inside the run is recorded on the run itself; what
        // could fault the task (another instance took the rebuild lock first, the database unreachable before the
        // first record) is only logged, and observed here so it is never an unobserved task exception.
        _ = rebuilder.RunAsync().ContinueWith(
            static (task, state) =>
            {
                var error = task.Exception!.GetBaseException();
                if (error is RebuildBusyException)
                {
                    LogBusy((ILogger)state!, error.Message);
                }
                else
                {
                    LogNotRun((ILogger)state!, error);
                }
            },
            logger, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        Flash("Rebuild started: the views are rebuilt beside the serving ones and switched in when done.");
        return RedirectToPage();
    }

    /// <summary>How far the fold is through the history the run set out to fold, 0–100.</summary>
    public static int Percent(RebuildStatusResponse run) => RebuildProgress.Percent(run);

    public TimeSpan Elapsed(RebuildStatusResponse run) => (run.FinishedAt ?? (run.State == RebuildStates.Running ? Now : run.UpdatedAt)) - run.StartedAt;

    public static string StateBadge(string state) => state switch
    {
        RebuildStates.Succeeded => "ok",
        RebuildStates.Running => "warn",
        _ => "bad",
    };

    private async Task LoadAsync(CancellationToken ct)
    {
        Now = clock.GetUtcNow();
        Latest = await ViewRebuilder.LatestAsync(session, ct) is { } run ? RebuildStatusResponse.From(run, Now) : null;
        Running = Latest?.State == RebuildStates.Running || rebuilder.IsRunning;
    }

    [LoggerMessage(LogLevel.Warning, "The rebuild started from the admin panel did not start: {Reason}")]
    private static partial void LogBusy(ILogger logger, string reason);

    [LoggerMessage(LogLevel.Error, "The rebuild started from the admin panel did not run")]
    private static partial void LogNotRun(ILogger logger, Exception exception);
}
