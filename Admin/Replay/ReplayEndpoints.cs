using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OrProject.Admin.Security;
using OrProject.Projections.Keys;
using OrProject.Projections.Rebuild;

namespace OrProject.Admin.Replay;

public sealed record RebuildResponse(string Id, IReadOnlyList<string> Projections, long ElapsedMilliseconds, long Events, double EventsPerSecond,
    long? SwitchMilliseconds, IReadOnlyDictionary<string, int> Documents, IReadOnlyDictionary<string, long> PhaseMilliseconds);

/// <summary>A rebuild as <c>GET /admin/api/projections/rebuild</c> shows it; <c>abandoned</c> when its instance stopped reporting.</summary>
public sealed record RebuildStatusResponse(string Id, string State, string Phase, string Host, DateTimeOffset StartedAt, DateTimeOffset UpdatedAt,
    DateTimeOffset? FinishedAt, long Target, long Position, long Events, double EventsPerSecond, long? SwitchMilliseconds,
    IReadOnlyDictionary<string, int> Documents, IReadOnlyDictionary<string, long> PhaseMilliseconds, string? Error)
{
    public static readonly TimeSpan Silence = TimeSpan.FromSeconds(30);

    public static RebuildStatusResponse From(RebuildRun run, DateTimeOffset now) => new(run.Id,
        run.State == RebuildStates.Running && now - run.UpdatedAt > Silence ? "abandoned" : run.State, run.Phase, run.Host, run.StartedAt,
        run.UpdatedAt, run.FinishedAt, run.Target, run.Position, run.Events, run.EventsPerSecond, run.SwitchMilliseconds, run.Documents,
        run.PhaseMilliseconds, run.Error);
}

public sealed record KeyAsOfResponse(string Id, DateTimeOffset At, decimal BudgetUsd, decimal SpentUsd, decimal RemainingUsd,
    long Requests, bool Disabled, long Version, int FoldedEvents);

/// <summary>
/// Replay: rebuild every view from the event log while the current ones serve, follow a rebuild, and a key's state
/// as of any instant, from its events alone.
/// </summary>
internal static class ReplayEndpoints
{
    /// <summary>The views a rebuild writes, by document type.</summary>
    private static readonly string[] Views = ["KeyLedger", "UpstreamAccount", "GatewaySettings", "DailyUsage", "AccountHealth", "KeyCheckpoint", "RequestLogEntry"];

    public static RouteGroupBuilder MapReplay(this RouteGroupBuilder admin)
    {
        admin.MapPost("/projections/rebuild", RebuildAsync).WithTags("Replay");
        admin.MapGet("/projections/rebuild", StatusAsync).WithTags("Replay");
        admin.MapGet("/keys/{id}/as-of", AsOfAsync).WithTags("Replay");
        return admin;
    }

    /// <summary>
    /// Rebuilds every view beside the serving ones and switches them in at once (<see cref="ViewRebuilder"/>); answers
    /// when done. Requests go on being served from the current views throughout. Joins a rebuild this instance is
    /// already running; 409 while another instance runs one.
    /// </summary>
    private static async Task<Results<Ok<RebuildResponse>, ProblemHttpResult>> RebuildAsync(ViewRebuilder rebuilder)
    {
        RebuildRun run;
        try
        {
            run = await rebuilder.RunAsync();
        }
        catch (RebuildBusyException busy)
        {
            return TypedResults.Problem(busy.Message, statusCode: StatusCodes.Status409Conflict);
        }

        if (run.State != RebuildStates.Succeeded)
        {
            return TypedResults.Problem($"The rebuild failed and the serving views are unchanged: {run.Error}", statusCode: StatusCodes.Status500InternalServerError);
        }

        var elapsed = (long)((run.FinishedAt ?? run.UpdatedAt) - run.StartedAt).TotalMilliseconds;
        return TypedResults.Ok(new RebuildResponse(run.Id, Views, elapsed, run.Events, run.EventsPerSecond, run.SwitchMilliseconds, run.Documents,
            run.PhaseMilliseconds));
    }

    private static async Task<Results<Ok<RebuildStatusResponse>, NotFound<AdminError>>> StatusAsync(IQuerySession session, TimeProvider clock, CancellationToken ct) =>
        await ViewRebuilder.LatestAsync(session, ct) is { } run
            ? TypedResults.Ok(RebuildStatusResponse.From(run, clock.GetUtcNow()))
            : TypedResults.NotFound(AdminError.NotFound("No rebuild has run."));

    private static async Task<Results<Ok<KeyAsOfResponse>, NotFound<AdminError>, BadRequest<AdminError>>> AsOfAsync(
        string id, DateTimeOffset? at, IQuerySession session, TimeProvider clock, CancellationToken ct)
    {
        var instant = at ?? clock.GetUtcNow();
        var (state, folded) = await KeyCheckpoints.AsOfAsync(session, id, instant, ct);
        return state is null
            ? TypedResults.NotFound(AdminError.NotFound($"Key {id} did not exist at {instant:O}."))
            : TypedResults.Ok(new KeyAsOfResponse(id, instant, state.BudgetUsd, state.SpentUsd, state.RemainingAfter(0m, instant), state.Requests, state.Disabled,
                state.Version, folded));
    }
}
