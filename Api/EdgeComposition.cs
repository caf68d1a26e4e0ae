using OrProject.Admin;
using OrProject.Api.Auth;
using OrProject.Api.ChatCompletions;
using OrProject.Api.Models;
using OrProject.Api.Responses;
using OrProject.Api.Dispatch;
using OrProject.Api.Messages;
using OrProject.Api.Return;
using OrProject.Api.Routing;
using OrProject.Contracts.Messaging;
using OrProject.ServiceDefaults;
using OrProject.Projections.Store;
using OrProject.Projections.Usage;
using Serilog;

namespace OrProject.Api;

public static class EdgeComposition
{
    /// <summary>The edge: admission, dispatch to workers over the bus, the return channel, the admin API.</summary>
    public static WebApplicationBuilder AddOrProjectEdge(this WebApplicationBuilder builder)
    {
        builder.AddOrProjectLogging("api");
        builder.AddOrProjectTelemetry("api");
        var services = builder.Services;
        services.AddOptions<EdgeOptions>().BindConfiguration(EdgeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOrProjectStore(builder.Configuration, runDaemonByDefault: true);
        services.AddOrProjectAdmin();
        services.AddOrProjectHealth();
        services.AddHealthChecks().AddCheck<ReturnChannelHealthCheck>("return-channel", tags: [Health.ReadyTag]);
        services.AddOptions<ReturnChannelOptions>().BindConfiguration(ReturnChannelOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddGrpc();
        ReturnChannelEndpoint.Configure(builder);
        var rabbit = builder.Configuration.GetRabbitMqOptions();
        services.AddOrProjectBus(builder.Configuration, x =>
        {
            x.AddRequestClient<CountTokens>(BusConfiguration.CountTokensAddress(rabbit));
        });
        services.AddSingleton<ReplyRouter>();
        services.AddSingleton<GenerationPump>();
        services.AddSingleton<UsagePricer>();
        services.AddSingleton<BudgetHolds>();
        services.AddHostedService<HoldSweeper>();
        services.AddSingleton<UnknownKeyLimiter>();
        services.AddScoped<KeyAdmission>();
        services.AddScoped<EdgePipeline>();
        services.AddExceptionHandler<EdgeExceptionHandler>();
        services.AddProblemDetails();
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 64L * 1024 * 1024);
        return builder;
    }

    public static WebApplication MapOrProjectEdge(this WebApplication app)
    {
        app.Use(ReturnChannelEndpoint.KeepApartAsync); // the internal port serves the return channel, the public one never does
        app.UseExceptionHandler();
        app.UseEdgeRequests();
        app.UseRouting(); // after the /v1/v1 rewrite, so the folded path is the one routed
        app.UseOrProjectAdmin(); // the admin pages' sign-in session, after routing so page policies apply
        // Through this host's logger (its template, request id, sinks), not the static bootstrap one, which the
        // middleware falls back to and which AddOrProjectLogging deliberately leaves in place.
        app.UseSerilogRequestLogging(o =>
        {
            o.Logger = app.Services.GetRequiredService<Serilog.ILogger>();
            // A worker's return-channel call is part of the request the client made, which has its own line: one line
            // a request, not two (the call's failures are logged by the return channel itself).
            o.GetLevel = (context, _, error) =>
                error is not null || context.Response.StatusCode >= 500 ? Serilog.Events.LogEventLevel.Error
                : ReturnChannelEndpoint.IsReturnCall(context.Request) ? Serilog.Events.LogEventLevel.Verbose
                : Serilog.Events.LogEventLevel.Information;
        });
        app.MapOrProjectHealth();
        app.MapOrProjectMetrics();
        app.MapMessages();
        app.MapChatCompletions();
        app.MapResponses();
        app.MapModels();
        app.MapAdmin();
        app.MapGrpcService<ReturnChannelService>();
        app.MapClientProbes();
        app.MapUnmatchedRequests();
        return app;
    }
}
