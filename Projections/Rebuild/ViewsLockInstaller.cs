using JasperFx.Events;
using Marten;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace OrProject.Projections.Rebuild;

/// <summary>Installs <see cref="ViewsLock"/>'s guard trigger at startup, once Marten's event tables exist.</summary>
internal sealed class ViewsLockInstaller(IDocumentStore store, NpgsqlDataSource dataSource) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await store.Storage.Database.EnsureStorageExistsAsync(typeof(IEvent), cancellationToken);
        await ViewsLock.InstallGuardAsync(dataSource, store.Options.DatabaseSchemaName, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
