using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace OrProject.ServiceDefaults;

/// <summary>
/// OpenTelemetry for every host: traces through ASP.NET Core, MassTransit (which carries the trace context in
/// message headers, so one trace spans edge → queue → worker) and HttpClient (the upstream call, which gets a
/// upstream call, whose span we keep but whose trace context and baggage the upstream never sees);
/// metrics in Prometheus' format at <c>/metrics</c> for the admin token's holder, and both to OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// </summary>
/// <remarks>
/// With no exporter nobody reads spans, so none is recorded unless the caller's own <c>traceparent</c> asks for it
/// (parent-based sampling, root off): the trace context still flows through the queue to the worker, and the
/// per-request cost of recording spans nobody exports (~15 % of the edge's and worker's CPU under load, measured
/// with the benchmark) is not paid.
/// </remarks>
public static class Telemetry
{
    /// <summary>
    /// Series (tag combinations) each metric keeps; more are counted in one series tagged
    /// <c>otel.metric.overflow=true</c>. The SDK's default, 2,000, is allocated up front for every metric: 144 KB each,
    /// 9.7 MB of the edge's 34 MB of live heap at 67 metrics. The gateway's own metrics are tagged by route, status,
    /// model, account and kind, tens of combinations each; ASP.NET Core's by route, method and status, at most a few
    /// hundred.
    /// </summary>
    internal const int MaxSeriesPerMetric = 500;

    public static IHostApplicationBuilder AddOrProjectTelemetry(this IHostApplicationBuilder builder, string service)
    {
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

        // W3C trace context only. With the SDK's default (trace context and baggage) the HttpClient instrumentation
        // writes traceparent, tracestate and baggage into every outgoing request itself, past the handler's own
        // propagator; with plain TraceContextPropagator it leaves that to the handler, and the upstream handler
        // propagates nothing (WorkerComposition), so a client's trace ids and baggage never reach a provider.
        Sdk.SetDefaultTextMapPropagator(new TraceContextPropagator());
        builder.Services.AddSingleton<GatewayMetrics>();
        builder.Services.AddOptions<MetricsAccessOptions>().BindConfiguration(AdminToken.Section)
            .Validate(o => AdminToken.IsAcceptable(o.Token), AdminToken.TooShort).ValidateOnStart();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("orproject-" + service))
            .WithTracing(t =>
            {
                t.AddAspNetCoreInstrumentation(o => o.Filter = ctx => !ctx.Request.Path.StartsWithSegments("/health"))
                    .AddHttpClientInstrumentation()
                    .AddSource("MassTransit");
                if (otlp)
                {
                    t.AddOtlpExporter();
                }
                else
                {
                    t.SetSampler(new ParentBasedSampler(new AlwaysOffSampler()));
                }
            })
            .WithMetrics(m =>
            {
                m.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation()
                    .AddMeter(GatewayMetrics.MeterName, "MassTransit")
                    .AddView(_ => new MetricStreamConfiguration { CardinalityLimit = MaxSeriesPerMetric })
                    .AddPrometheusExporter();
                if (otlp)
                {
                    m.AddOtlpExporter();
                }
            });
        return builder;
    }

    /// <summary>
    /// <c>/metrics</c> answers only <c>Authorization: Bearer ORP_ADMIN_TOKEN</c> (401 otherwise, and always when no
    /// token is set): the figures name keys' models, accounts and spend.
    /// </summary>
    public static IEndpointRouteBuilder MapOrProjectMetrics(this IEndpointRouteBuilder app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics", meterProvider: null, configureBranchedPipeline: branch => branch.Use(async (context, next) =>
        {
            var expected = context.RequestServices.GetRequiredService<IOptions<MetricsAccessOptions>>().Value.Token;
            if (!AdminToken.Matches(AdminToken.Presented(context.Request), expected))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Bearer";
                return;
            }

            await next(context);
        }), optionsName: null);
        return app;
    }
}
