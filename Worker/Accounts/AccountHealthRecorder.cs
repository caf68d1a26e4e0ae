using Marten;
using OrProject.Contracts.Events;
using OrProject.Projections.Accounts;
using OrProject.Worker.Upstreams;
using OrProject.Projections.Rebuild;

namespace OrProject.Worker.Accounts;

/// <summary>
/// Turns an account's outcomes into events on its stream. A failure before the first byte is always
/// <c>AccountRotated</c> (the request moved on, with the reason); a rate limit (429) or overload (529, 503) then cools
/// the account at once (<c>AccountCooledDown</c>, honouring <c>retry-after</c>), rejected credentials disable it
/// (<c>AccountDisabled</c>), and a server error, timeout or failed connection counts towards its circuit
/// (<see cref="AccountCircuits"/>): one such failure only moves the request, repeated ones open the circuit, written as
/// a cooldown that needs a probe. A success on an account that was out (the half-open probe, or the last-resort try
/// when every account was out) restores it (<c>AccountRestored</c>). Written under the stream's row lock: many workers
/// may report the same account at once.
/// </summary>
internal sealed class AccountHealthRecorder(IDocumentStore store, AccountPool pool, AccountCircuits circuits,
    Microsoft.Extensions.Options.IOptions<PoolOptions> options, TimeProvider clock, OrProject.ServiceDefaults.GatewayMetrics metrics)
{
    /// <summary>Records the failure; true when the account is still in rotation (the request may try it again).</summary>
    public async Task<bool> RecordFailureAsync(UpstreamAccount account, string requestId, UpstreamFailure failure)
    {
        var now = clock.GetUtcNow();
        var reason = $"{failure.Status} {failure.Error}: {Summary(failure)}";
        var wasOut = account.StatusAt(now) != AccountStatus.Active;
        var (cooldown, probe) = failure.Error switch
        {
            UpstreamError.RateLimited => (failure.RetryAfter ?? TimeSpan.FromSeconds(options.Value.RateLimitCooldownSeconds), false),
            UpstreamError.Overloaded => (failure.RetryAfter ?? TimeSpan.FromSeconds(options.Value.FailureCooldownSeconds), false),
            UpstreamError.Unauthorized or UpstreamError.Rejected => ((TimeSpan?)null, false),
            _ => CircuitFailure(account, wasOut, ref reason),
        };
        if (cooldown is { } c)
        {
            cooldown = TimeSpan.FromSeconds(Math.Clamp(c.TotalSeconds, 1, options.Value.MaxCooldownSeconds));
            pool.MarkCooling(account, now + cooldown.Value);
        }

        await using var session = store.LightweightSession();
        await session.BeginAppendAsync();
        var stream = await session.Events.FetchForExclusiveWriting<UpstreamAccount>(account.Id);
        stream.AppendOne(new AccountRotated(account.Id, requestId, failure.Status, reason, now));
        if (failure.Error == UpstreamError.Unauthorized)
        {
            stream.AppendOne(new AccountDisabled(account.Id, reason, "worker", now));
        }
        else if (cooldown is { } until)
        {
            stream.AppendOne(new AccountCooledDown(account.Id, now + until, failure.Status, reason, now, probe));
        }

        await session.SaveChangesAsync();
        pool.Invalidate();
        if (failure.Error == UpstreamError.Unauthorized || cooldown is not null)
        {
            metrics.Cooldown(account.Id, failure.Status);
            return false;
        }

        return true;
    }

    /// <summary>
    /// Counts the success; when the account was out of rotation as this request saw it (a probe of its half-open
    /// circuit, or the last-resort try), brings it back for every worker.
    /// </summary>
    public async Task RecordSuccessAsync(UpstreamAccount account, CancellationToken cancellationToken)
    {
        circuits.Succeeded(account.Id);
        var now = clock.GetUtcNow();
        if (account.StatusAt(now) == AccountStatus.Active)
        {
            return;
        }

        await using var session = store.LightweightSession();
        await session.BeginAppendAsync(cancellationToken);
        var stream = await session.Events.FetchForExclusiveWriting<UpstreamAccount>(account.Id, cancellationToken);
        if (stream.Aggregate is { Disabled: false } current && (current.ProbeRequired || current.CooldownUntil is not null))
        {
            var reason = current.ProbeRequired && current.CooldownUntil <= now
                ? "probe succeeded: circuit closed"
                : "a request succeeded while every account was out";
            stream.AppendOne(new AccountRestored(account.Id, "worker", now, reason));
            await session.SaveChangesAsync(cancellationToken);
            pool.Invalidate();
        }
    }

    /// <summary>
    /// A server error, timeout or failed connection: the circuit opens when this worker has seen enough of them, or at
    /// once when the request was itself a probe (the account was out); else the account stays in rotation.
    /// </summary>
    private (TimeSpan?, bool) CircuitFailure(UpstreamAccount account, bool wasOut, ref string reason)
    {
        var opened = circuits.Failed(account.Id) ?? (wasOut ? "circuit re-opened: the probe failed" : null);
        if (opened is null)
        {
            return (null, false);
        }

        reason = $"{opened} (last: {reason})";
        return (TimeSpan.FromSeconds(options.Value.CircuitBreakSeconds), true);
    }

    /// <summary>Ends cooldowns that have run out, once: the row lock and the re-check make concurrent workers agree.</summary>
    public async Task RestoreExpiredAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        foreach (var account in await pool.AllAsync(cancellationToken))
        {
            // An open circuit does not come back by the clock: a probe request restores it (RecordSuccessAsync).
            if (account.CooldownUntil is not { } until || until > now || account.Disabled || account.ProbeRequired)
            {
                continue;
            }

            await using var session = store.LightweightSession();
            await session.BeginAppendAsync(cancellationToken);
            var stream = await session.Events.FetchForExclusiveWriting<UpstreamAccount>(account.Id, cancellationToken);
            if (stream.Aggregate is { CooldownUntil: { } current, ProbeRequired: false } && current <= now)
            {
                stream.AppendOne(new AccountRestored(account.Id, "system", now, "cooldown over"));
                await session.SaveChangesAsync(cancellationToken);
                pool.Invalidate();
            }
        }
    }

    private static string Summary(UpstreamFailure failure)
    {
        var text = failure.Body ?? failure.Message;
        return text.Length <= 300 ? text : text[..300] + "…";
    }
}

/// <summary>Once a second, brings accounts whose cooldown ran out back (<c>AccountRestored</c>); open circuits wait for a probe.</summary>
internal sealed class AccountRestorer(AccountHealthRecorder recorder, ILogger<AccountRestorer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await recorder.RestoreExpiredAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    WorkerLog.RestoreFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
    }
}
