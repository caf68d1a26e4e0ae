using Marten;
using OrProject.Contracts.Events;
using OrProject.Projections.Accounts;
using OrProject.Worker.Upstreams;
using OrProject.Projections.Rebuild;

namespace OrProject.Worker.Accounts;

public sealed class PoolOptions
{
    public const string Section = "Pool";

    /// <summary>Cooldown after a 429 whose answer named no retry time.</summary>
    public int RateLimitCooldownSeconds { get; set; } = 30;

    /// <summary>Cooldown after a 529, a 5xx, a timeout or a failed connection: shorter, these pass quickly.</summary>
    public int FailureCooldownSeconds { get; set; } = 5;

    /// <summary>Upper bound on any cooldown, whatever an upstream's retry-after says.</summary>
    public int MaxCooldownSeconds { get; set; } = 3600;

    /// <summary>How often a worker re-reads the pool: admin changes and other workers' cooldowns reach it this fast.</summary>
    public int RefreshMilliseconds { get; set; } = 1000;
}

/// <summary>
/// Turns an account's failure before the first byte into events on its stream: always <c>AccountRotated</c> (the
/// request moved on, with the reason), then <c>AccountCooledDown</c> for rate limits and transient failures, or
/// <c>AccountDisabled</c> for rejected credentials. Written under the stream's row lock: many workers may report
/// the same account at once.
/// </summary>
internal sealed class AccountHealthRecorder(IDocumentStore store, AccountPool pool, Microsoft.Extensions.Options.IOptions<PoolOptions> options,
    TimeProvider clock, OrProject.ServiceDefaults.GatewayMetrics metrics)
{
    public async Task RecordFailureAsync(UpstreamAccount account, string requestId, UpstreamFailure failure)
    {
        var now = clock.GetUtcNow();
        var reason = $"{failure.Status} {failure.Error}: {Summary(failure)}";
        var cooldown = failure.Error switch
        {
            UpstreamError.RateLimited => failure.RetryAfter ?? TimeSpan.FromSeconds(options.Value.RateLimitCooldownSeconds),
            UpstreamError.Unauthorized or UpstreamError.Rejected => (TimeSpan?)null,
            _ => failure.RetryAfter ?? TimeSpan.FromSeconds(options.Value.FailureCooldownSeconds),
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
            stream.AppendOne(new AccountCooledDown(account.Id, now + until, failure.Status, reason, now));
        }

        await session.SaveChangesAsync();
        pool.Invalidate();
        if (failure.Error == UpstreamError.Unauthorized || cooldown is not null)
        {
            metrics.Cooldown(account.Id, failure.Status);
        }
    }

    /// <summary>Ends cooldowns that have run out, once: the row lock and the re-check make concurrent workers agree.</summary>
    public async Task RestoreExpiredAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        foreach (var account in await pool.AllAsync(cancellationToken))
        {
            if (account.CooldownUntil is not { } until || until > now || account.Disabled)
            {
                continue;
            }

            await using var session = store.LightweightSession();
            await session.BeginAppendAsync(cancellationToken);
            var stream = await session.Events.FetchForExclusiveWriting<UpstreamAccount>(account.Id, cancellationToken);
            if (stream.Aggregate?.CooldownUntil is { } current && current <= now)
            {
                stream.AppendOne(new AccountRestored(account.Id, "system", now));
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

/// <summary>Once a second, brings cooled-down accounts back (<c>AccountRestored</c>).</summary>
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
