using Microsoft.Extensions.Hosting;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace OrProject.ServiceDefaults;

public static class Logging
{
    /// <summary>Stage one of Serilog's two-stage start: something logs even if configuration fails.</summary>
    public static void CreateBootstrapLogger() =>
        Log.Logger = new LoggerConfiguration().Enrich.FromLogContext().WriteTo.Console().CreateBootstrapLogger();

    /// <summary>
    /// Structured logs for every host: console, compact JSON when <c>Logging:Json</c> is true (containers),
    /// request id and key id on every line through the log context.
    /// </summary>
    public static IHostApplicationBuilder AddOrProjectLogging(this IHostApplicationBuilder builder, string service)
    {
        var json = string.Equals(builder.Configuration["Logging:Json"], "true", StringComparison.OrdinalIgnoreCase);
        // preserveStaticLogger: the static logger stays the bootstrap one, so several hosts in one process (tests)
        // keep their own pipelines instead of the last one taking over the others' request logs.
        builder.Services.AddSerilog(preserveStaticLogger: true, configureLogger: (services, lc) =>
        {
            lc.MinimumLevel.Information()
                .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
                .MinimumLevel.Override("Microsoft.Extensions.Http", LogEventLevel.Warning)
                .MinimumLevel.Override("System.Net.Http", LogEventLevel.Warning)
                .MinimumLevel.Override("MassTransit", LogEventLevel.Warning)
                .MinimumLevel.Override("Marten", LogEventLevel.Warning)
                .MinimumLevel.Override("JasperFx", LogEventLevel.Warning)
                .Enrich.FromLogContext()
                .Enrich.WithProperty("Service", service)
                .ReadFrom.Configuration(builder.Configuration); // configuration overrides the defaults above
            if (json)
            {
                lc.WriteTo.Console(new RenderedCompactJsonFormatter());
            }
            else
            {
                lc.WriteTo.Console(outputTemplate:
                    "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {Service} {RequestId} {Message:lj}{NewLine}{Exception}");
            }
        });
        return builder;
    }
}
