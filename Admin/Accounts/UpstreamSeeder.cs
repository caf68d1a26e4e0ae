using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrProject.Contracts.Events;
using OrProject.Projections.Accounts;
using OrProject.Projections.Rebuild;

namespace OrProject.Admin.Accounts;

/// <summary>
/// At start, when the pool is empty: one account from <c>ORP_UPSTREAM_URL</c>/<c>ORP_UPSTREAM_KEY</c>/<c>ORP_UPSTREAM_KIND</c>,
/// or, with nothing configured, the built-in simulator, announced loudly so nobody mistakes it for a model.
/// </summary>
internal sealed partial class UpstreamSeeder(IDocumentStore store, IConfiguration configuration, SecretProtector secrets,
    TimeProvider clock, ILogger<UpstreamSeeder> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        if (await session.Query<UpstreamAccount>().AnyAsync(cancellationToken))
        {
            return;
        }

        var url = configuration["Upstream:Url"];
        var kind = configuration["Upstream:Kind"] is { Length: > 0 } k ? k.ToLowerInvariant() : AccountKinds.Anthropic;
        AccountAdded added;
        if (string.IsNullOrWhiteSpace(url))
        {
            added = new AccountAdded("acct_simulator", "simulator", AccountKinds.Simulator, "builtin:simulator", "", 1, [], "system", clock.GetUtcNow());
            LogSimulator(logger);
        }
        else
        {
            var key = configuration["Upstream:Key"] ?? "";
            added = new AccountAdded("acct_" + Guid.CreateVersion7().ToString("N"), "seeded", kind, url, secrets.Protect(key), 1, [], "system", clock.GetUtcNow());
            LogSeeded(logger, kind, url);
        }

        await session.BeginAppendAsync(cancellationToken);
        session.Events.StartStream<UpstreamAccount>(added.AccountId, added);
        await session.SaveChangesAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(LogLevel.Warning, "NO UPSTREAM CONFIGURED: the built-in simulator answers every request offline. Set ORP_UPSTREAM_URL and ORP_UPSTREAM_KEY, or add an account in the admin panel.")]
    private static partial void LogSimulator(ILogger logger);

    [LoggerMessage(LogLevel.Information, "Seeded upstream account of kind {Kind} at {Url}")]
    private static partial void LogSeeded(ILogger logger, string kind, string url);
}
