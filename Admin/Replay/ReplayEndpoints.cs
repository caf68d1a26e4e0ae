using System.Diagnostics;
using JasperFx.Events.Daemon;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OrProject.Admin.Security;
using OrProject.Projections.Keys;

namespace OrProject.Admin.Replay;

public sealed record RebuildResponse(IReadOnlyList<string> Projections, long ElapsedMilliseconds);

public sealed record KeyAsOfResponse(string Id, DateTimeOffset At, decimal BudgetUsd, decimal SpentUsd, decimal RemainingUsd,
    long Requests, bool Disabled, long Version);

/// <summary>
/// Replay: rebuild every view from the event log, and a key's state as of any instant, from its events alone.
/// </summary>
internal static class ReplayEndpoints
{
    public static RouteGroupBuilder MapReplay(this RouteGroupBuilder admin)
    {
        admin.MapPost("/projections/rebuild", RebuildAsync).WithTags("Replay");
        admin.MapGet("/keys/{id}/as-of", AsOfAsync).WithTags("Replay");
        return admin;
    }

    /// <summary>
    /// Replays the whole log into fresh copies of every projection, inline ones included, through this host's
    /// projection daemon; answers when done. Requests admitted meanwhile may briefly see a view being rebuilt.
    /// </summary>
    private static async Task<Results<Ok<RebuildResponse>, ProblemHttpResult>> RebuildAsync(IServiceProvider services, IDocumentStore store, CancellationToken ct)
    {
        if (services.GetService<IProjectionCoordinator>() is not { } coordinator)
        {
            return TypedResults.Problem("This host runs no projection daemon (Marten:RunDaemon is false).", statusCode: 409);
        }

        var watch = Stopwatch.StartNew();
        // AllProjectionNames() quotes each name for display; the daemon wants them bare.
        var names = ((StoreOptions)store.Options).Projections.AllProjectionNames().Select(n => n.Trim('\'')).ToArray();

        // A rebuild leaves the rebuilt shards stopped (verified: the daily view froze until restarted), so every
        // agent is started again afterwards and the views go on following the log.
        var daemon = coordinator.DaemonForMainDatabase();
        foreach (var name in names)
        {
            await daemon.RebuildProjectionAsync(name, TimeSpan.FromMinutes(10), ct);
        }

        await daemon.StartAllAsync();

        return TypedResults.Ok(new RebuildResponse(names, watch.ElapsedMilliseconds));
    }

    private static async Task<Results<Ok<KeyAsOfResponse>, NotFound<AdminError>, BadRequest<AdminError>>> AsOfAsync(
        string id, DateTimeOffset? at, IDocumentSession session, TimeProvider clock, CancellationToken ct)
    {
        var instant = at ?? clock.GetUtcNow();
        var state = await session.Events.AggregateStreamAsync<KeyLedger>(id, timestamp: instant, token: ct);
        return state is null
            ? TypedResults.NotFound(AdminError.NotFound($"Key {id} did not exist at {instant:O}."))
            : TypedResults.Ok(new KeyAsOfResponse(id, instant, state.BudgetUsd, state.SpentUsd, state.RemainingUsd, state.Requests, state.Disabled, state.Version));
    }
}
