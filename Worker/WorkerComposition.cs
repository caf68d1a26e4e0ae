using System.Diagnostics;
using MassTransit;
using OrProject.Contracts.Messaging;
using OrProject.ServiceDefaults;
using OrProject.Projections.Store;
using OrProject.Projections.Usage;
using OrProject.Worker.Return;
using OrProject.Worker.Accounts;
using OrProject.Worker.Generation;
using OrProject.Worker.Upstreams;
using OrProject.Worker.Usage;

namespace OrProject.Worker;

public static class WorkerComposition
{
    /// <summary>Everything a worker process runs: dispatch consumer, upstream adapters, account pool, usage ledger.</summary>
    public static WebApplicationBuilder AddOrProjectWorker(this WebApplicationBuilder builder)
    {
        builder.AddOrProjectLogging("worker");
        builder.AddOrProjectTelemetry("worker");
        var services = builder.Services;
        services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SimulatorOptions>().BindConfiguration(SimulatorOptions.Section);
        services.AddOrProjectStore(builder.Configuration, runDaemonByDefault: false);
        services.AddOrProjectHealth();
        services.AddOrProjectBus(builder.Configuration, x =>
        {
            x.AddConsumer<CountTokensConsumer, CountTokensConsumerDefinition>();
            x.AddConsumer<CancelGenerationConsumer>().ExcludeFromConfigureEndpoints();
        });
        services.AddHostedService<CancellationEndpoint>();
        services.AddSingleton<DispatchGenerationConsumer>();
        services.AddHostedService<DispatchEndpoint>();

        services.AddHttpClient(AnthropicUpstream.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // Streaming proxy hygiene (YARP): no proxy, redirects, decompression or cookies; bounded connect.
                UseProxy = false,
                AllowAutoRedirect = false,
                AutomaticDecompression = System.Net.DecompressionMethods.None,
                UseCookies = false,
                ConnectTimeout = TimeSpan.FromSeconds(15),
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                // The current activity descends from the client's traceparent (carried through the queue), so the
                // default propagator would hand the client's trace id, tracestate and baggage to the provider. Our
                // span of the call is still recorded; only the headers stay home.
                ActivityHeadersPropagator = DistributedContextPropagator.CreateNoOutputPropagator(),
            })
            // The factory's per-request log scope and lines (filtered out at Warning anyway) cost on every upstream
            // call; failures are logged by the adapters with the account and request named.
            .RemoveAllLoggers();
        services.AddSingleton<IUpstreamAdapter, AnthropicUpstream>();
        services.AddSingleton<IUpstreamAdapter, SimulatorUpstream>();
        services.AddSingleton<IUpstreamAdapter, OpenAiUpstream>();
        services.AddSingleton<AccountCircuits>();
        services.AddSingleton<AccountPool>();
        services.AddOptions<PoolOptions>().BindConfiguration(PoolOptions.Section);
        services.AddSingleton<AccountHealthRecorder>();
        services.AddHostedService<AccountRestorer>();
        services.AddSingleton<InFlightGenerations>();
        services.AddOptions<ReturnChannelClientOptions>().BindConfiguration(ReturnChannelClientOptions.Section);
        services.AddSingleton<ReturnChannels>();
        services.AddSingleton<UsagePricer>();
        services.AddSingleton<UsageCharger>();
        services.AddSingleton<Generator>();
        return builder;
    }

    /// <summary>A worker serves no client traffic: health for orchestration, metrics for scraping.</summary>
    public static WebApplication MapOrProjectWorker(this WebApplication app)
    {
        app.MapOrProjectHealth();
        app.MapOrProjectMetrics();
        return app;
    }
}

/// <summary>
/// Cancellations are published to every worker: each listens on its own temporary queue (deleted when it stops),
/// so the one running the request hears it wherever it is.
/// </summary>
internal sealed class CancellationEndpoint(IReceiveEndpointConnector connector) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var handle = connector.ConnectReceiveEndpoint(new TemporaryEndpointDefinition("worker-cancel"),
            KebabCaseEndpointNameFormatter.Instance, (context, cfg) => cfg.ConfigureConsumer<CancelGenerationConsumer>(context));
        try
        {
            await handle.Ready.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopped before the broker answered
        }
    }
}
