using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OrProject.Contracts.Events;
using OrProject.Projections.Keys;
using OrProject.Projections.Rebuild;
using OrProject.Projections.Store;
using OrProject.Testing;

namespace OrProject.Projections.Tests;

/// <summary>
/// The store exactly as the hosts configure it (<see cref="StoreConfiguration.AddOrProjectStore"/>, the views lock's
/// guard trigger included) on real PostgreSQL, in a schema of its own that is dropped afterwards; no daemon, no bus.
/// </summary>
public sealed class LedgerStoreFixture : IAsyncLifetime
{
    private IHost _host = null!;

    public string Schema { get; } = "p" + Guid.CreateVersion7().ToString("N")[^16..];

    public IDocumentStore Store => _host.Services.GetRequiredService<IDocumentStore>();

    public KeyLedgerWriter Writer => _host.Services.GetRequiredService<KeyLedgerWriter>();

    public IServiceProvider Services => _host.Services;

    public async Task InitializeAsync()
    {
        var (postgres, _) = await TestInfrastructure.GetAsync();
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Marten"] = postgres,
            ["Marten:Schema"] = Schema,
            ["Marten:RunDaemon"] = "false",
            // A rebuild writes the request log's rows two at a time, so its tests cross batches (a charge that comes
            // after its hold's expiry was already written out replaces that row).
            ["Replay:RequestLogBatch"] = "2",
        });
        builder.Services.AddLogging();
        builder.Services.AddOrProjectStore(builder.Configuration, runDaemonByDefault: false);
        _host = builder.Build();
        await _host.StartAsync(); // creates the schema and installs the trigger that refuses appends without the lock
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        var (postgres, _) = await TestInfrastructure.GetAsync();
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"drop schema if exists \"{Schema}\" cascade", connection);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>Appends <paramref name="event"/> to <paramref name="streamId"/> under the views lock, as every writer appends.</summary>
    public async Task AppendAsync(string streamId, object @event)
    {
        await using var session = Store.LightweightSession();
        await session.BeginAppendAsync();
        session.Events.Append(streamId, @event);
        await session.SaveChangesAsync();
    }

    /// <summary>A new key with <paramref name="budgetUsd"/>, appended the way the admin commands append (under the views lock).</summary>
    /// <paramref name="shape"/> sets the rest of what it is issued with (budget period, limits, time).
    public async Task<string> IssueKeyAsync(decimal budgetUsd, bool disabled = false, Func<KeyIssued, KeyIssued>? shape = null)
    {
        var keyId = "key_" + Guid.NewGuid().ToString("N");
        await using var session = Store.LightweightSession();
        await session.BeginAppendAsync();
        var now = DateTimeOffset.UtcNow;
        var issued = new KeyIssued(keyId, "test", "hash_" + keyId, "sk-orp-t", budgetUsd, "test", now);
        session.Events.StartStream<KeyLedger>(keyId, shape is null ? issued : shape(issued));
        if (disabled)
        {
            session.Events.Append(keyId, new KeyDisabled(keyId, "test", now));
        }

        await session.SaveChangesAsync();
        return keyId;
    }
}
