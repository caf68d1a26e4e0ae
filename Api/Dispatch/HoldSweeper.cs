using Marten;
using OrProject.Projections.Keys;

namespace OrProject.Api.Dispatch;

/// <summary>
/// Gives back budget holds that nobody settled before they expired — their edge and their worker both stopped — each
/// as a <c>BudgetHoldExpired</c> event in the key's stream, so no hold vanishes without a trace. Every edge sweeps; the
/// key's lock makes a hold expire once.
/// </summary>
internal sealed class HoldSweeper(IDocumentStore store, KeyLedgerWriter ledger, TimeProvider clock, ILogger<HoldSweeper> logger)
    : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                EdgeLog.SweepFailed(logger, ex);
            }
        }
    }

    internal async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        IReadOnlyList<BudgetHold> expired;
        await using (var session = store.QuerySession())
        {
            expired = await session.Query<BudgetHold>().Where(h => h.ExpiresAt <= now).Take(500).ToListAsync(cancellationToken);
        }

        var count = 0;
        foreach (var hold in expired)
        {
            if (await ledger.ExpireAsync(hold, now, cancellationToken))
            {
                EdgeLog.HoldExpired(logger, hold.Id, hold.KeyId, hold.AmountUsd);
                count++;
            }
        }

        return count;
    }
}
