using System.Data.Common;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using OrProject.Contracts.Events;
using OrProject.Projections.Accounts;
using OrProject.Projections.Keys;
using OrProject.Projections.Rebuild;
using OrProject.Projections.Requests;
using OrProject.Projections.Settings;
using OrProject.Projections.Usage;

namespace OrProject.Projections.Store;

public sealed class StoreOptions
{
    public const string Section = "Marten";

    /// <summary>PostgreSQL schema for every table of the gateway; tests use one per fixture.</summary>
    public string Schema { get; set; } = "orp";

    /// <summary>
    /// Whether this host runs the async projection daemon (HotCold: one node runs each projection). Unset, edges
    /// run it and workers do not: workers scale with load, views need not follow them.
    /// </summary>
    public bool? RunDaemon { get; set; }

    /// <summary>
    /// Whether each event append wakes the async daemon at once (PostgreSQL LISTEN/NOTIFY): the daily usage and
    /// account health views then follow within milliseconds, at the price of a projection cycle per ledger write, which
    /// under load cost the edge a third of its CPU and doubled time to first token (measured with the benchmark).
    /// Off by default: the daemon polls, and the views follow within about a second, in batches.
    /// </summary>
    public bool NotifyProjections { get; set; }
}

public static class StoreConfiguration
{
    /// <summary>
    /// Every event type, registered up front so that any process can read any event of the log (Marten otherwise
    /// learns a type when this process first appends one, and a rebuild reads types it may never have appended).
    /// </summary>
    internal static readonly Type[] EventTypes =
    [
        typeof(KeyIssued), typeof(KeyDisabled), typeof(KeyEnabled), typeof(BudgetChanged), typeof(KeyLimitsChanged), typeof(UsageRecorded),
        typeof(BudgetHoldExpired), typeof(BudgetHoldReleased),
        typeof(AccountAdded), typeof(AccountRotated), typeof(AccountCooledDown), typeof(AccountRestored), typeof(AccountDisabled),
        typeof(AccountEnabled), typeof(SettingsChanged), typeof(PriceTableChanged), typeof(Tombstone),
    ];

    /// <summary>Marten, the event store and the read models, shared by every host.</summary>
    public static IServiceCollection AddOrProjectStore(this IServiceCollection services, IConfiguration configuration, bool runDaemonByDefault)
    {
        var connectionString = configuration.GetConnectionString("Marten")
            ?? throw new InvalidOperationException(
                "ConnectionStrings:Marten (the PostgreSQL connection string) is not set. ./orp up sets it; for hosts started from an IDE, " +
                "./orp servers starts PostgreSQL and RabbitMQ and writes .orp/dev-settings.json, read in the Development environment; " +
                "elsewhere set ConnectionStrings__Marten.");
        var options = configuration.GetSection(StoreOptions.Section).Get<StoreOptions>() ?? new StoreOptions();
        services.AddSingleton(Options.Create(options));

        services.AddSingleton(_ => NpgsqlDataSource.Create(WithSessionDefaults(connectionString)));
        var marten = services.AddMarten(opts =>
            {
                opts.DatabaseSchemaName = options.Schema;
                opts.Events.StreamIdentity = StreamIdentity.AsString;
                opts.Events.UseListenNotifyForEventAppends = options.NotifyProjections;
                opts.Projections.Errors.SkipApplyErrors = false;
                opts.Projections.Errors.SkipSerializationErrors = false;
                opts.Projections.Errors.SkipUnknownEvents = false;
                opts.Events.AddEventTypes(EventTypes);
                opts.ConfigureKeys();
                opts.ConfigureAccounts();
                opts.Projections.Snapshot<GatewaySettings>(SnapshotLifecycle.Inline);
                opts.Projections.Add<DailyUsageProjection>(ProjectionLifecycle.Async);
                opts.Schema.For<DailyUsage>().Index(x => x.KeyId);
                opts.ConfigureRequestLog();
                opts.Schema.For<RebuildRun>();
            })
            .UseNpgsqlDataSource()
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup();
        services.Configure<ReplayOptions>(configuration.GetSection(ReplayOptions.Section));
        services.AddHostedService<ViewsLockInstaller>();
        services.AddSingleton<KeyCheckpoints>();
        services.AddSingleton<ViewRebuilder>();
        if (options.RunDaemon ?? runDaemonByDefault)
        {
            marten.AddAsyncDaemon(DaemonMode.HotCold);
            services.AddHostedService<ShardRestarter>();
            services.AddHostedService<CheckpointSweeper>();
        }

        services.AddDataProtection().SetApplicationName("OrProject");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(o =>
            o.XmlRepository = new PostgresXmlRepository(sp.GetRequiredService<NpgsqlDataSource>(), options.Schema)));
        services.AddSingleton<SecretProtector>();
        services.AddSingleton<SettingsReader>();
        var admissionCache = TimeSpan.FromMilliseconds(Math.Max(0, configuration.GetValue("Keys:AdmissionCacheMilliseconds", 500)));
        var unknownKeys = TimeSpan.FromSeconds(Math.Max(0, configuration.GetValue("Keys:UnknownKeyCacheSeconds", 30)));
        services.AddSingleton(sp => new KeyLedgerCache(sp.GetRequiredService<IDocumentStore>(), sp.GetRequiredService<TimeProvider>(),
            admissionCache, unknownKeys));
        services.AddSingleton<KeyLedgerWriter>();
        services.AddSingleton(TimeProvider.System);
        return services;
    }

    /// <summary>
    /// Npgsql settings for Marten's many short sessions, unless the connection string sets them itself: no
    /// <c>DISCARD ALL</c> each time a connection goes back to the pool (nothing here leaves session state behind; it
    /// was three statements per request). Statements are not prepared automatically (<c>Max Auto Prepare</c>): it saved
    /// PostgreSQL some CPU, but with it a statement that fails inside a transaction can leave the connection's prepared
    /// statements out of step with the server, and a later command on that pooled connection fails with "Received
    /// unexpected backend message DataRow" (Npgsql 10.0.3; https://github.com/npgsql/npgsql/issues/6391). The ledger
    /// tests hit it once in about eight runs after a batch PostgreSQL refused; a ledger write must not.
    /// </summary>
    internal static string WithSessionDefaults(string connectionString)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var tuned = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.ContainsKey("No Reset On Close") && !given.ContainsKey("NoResetOnClose"))
        {
            tuned.NoResetOnClose = true;
        }

        return tuned.ConnectionString;
    }

    private static void ConfigureKeys(this Marten.StoreOptions opts)
    {
        opts.Projections.Snapshot<KeyLedger>(SnapshotLifecycle.Inline);
        opts.Schema.For<KeyLedger>().UniqueIndex(x => x.KeyHash);
        opts.Schema.For<UsageReceipt>();
        opts.Schema.For<KeyRateWindow>();
        opts.Schema.For<BudgetHold>().Index(x => x.KeyId).Index(x => x.ExpiresAt);
        opts.Schema.For<KeyCheckpoint>().Index(x => x.KeyId);
    }

    /// <summary>
    /// The request log, async like the usage views (no write on the request's path), with computed indexes for its
    /// filters and for paging newest first; computed, not duplicated columns, so a rebuild's COPY of the JSON fills them.
    /// </summary>
    private static void ConfigureRequestLog(this Marten.StoreOptions opts)
    {
        opts.Projections.Add<RequestLogProjection>(ProjectionLifecycle.Async);
        opts.Schema.For<RequestLogEntry>()
            .Index(x => x.At)
            .Index([x => x.KeyId, x => x.At])
            .Index(x => x.Outcome)
            .Index(x => x.ModelRequested)
            .Index(x => x.ModelServed);
    }

    private static void ConfigureAccounts(this Marten.StoreOptions opts)
    {
        opts.Projections.Snapshot<UpstreamAccount>(SnapshotLifecycle.Inline);
        opts.Projections.Add<AccountHealthProjection>(ProjectionLifecycle.Async);
    }
}
