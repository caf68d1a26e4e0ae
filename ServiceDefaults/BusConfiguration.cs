using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace OrProject.ServiceDefaults;

public sealed class RabbitMqOptions
{
    public const string Section = "RabbitMq";

    /// <summary><c>RabbitMq</c> (production, end-to-end tests) or <c>InMemory</c> (single-process development).</summary>
    public string Transport { get; set; } = "RabbitMq";

    public string Host { get; set; } = "127.0.0.1";

    public ushort Port { get; set; } = 55672;

    public string VirtualHost { get; set; } = "/";

    public string Username { get; set; } = "guest";

    public string Password { get; set; } = "guest";

    /// <summary>Prefix for every queue name, so several systems (or test runs) can share one broker.</summary>
    public string? QueuePrefix { get; set; }

    /// <summary>AMQP heartbeat: how fast a dead peer is noticed (RabbitMQ.Client defaults to 60 s).</summary>
    public int HeartbeatSeconds { get; set; } = 10;
}

public static class BusConfiguration
{
    /// <summary>Name of the work queue that the edge sends generations to and every worker consumes.</summary>
    public const string DispatchQueue = "dispatch";

    public static RabbitMqOptions GetRabbitMqOptions(this IConfiguration configuration) =>
        configuration.GetSection(RabbitMqOptions.Section).Get<RabbitMqOptions>() ?? new RabbitMqOptions();

    /// <summary>Name of the queue of count_tokens requests, which workers forward to an upstream.</summary>
    public const string CountTokensQueue = "count-tokens";

    public static Uri CountTokensAddress(RabbitMqOptions options) => new($"queue:{options.QueuePrefix}{CountTokensQueue}");

    /// <summary>The address of the dispatch queue, with the configured prefix.</summary>
    public static Uri DispatchAddress(RabbitMqOptions options) => new($"queue:{options.QueuePrefix}{DispatchQueue}");

    /// <summary>MassTransit 8.5 on RabbitMQ (or in memory), with the host's consumers registered by <paramref name="configure"/>.</summary>
    public static IServiceCollection AddOrProjectBus(this IServiceCollection services, IConfiguration configuration,
        Action<IBusRegistrationConfigurator> configure)
    {
        var options = configuration.GetRabbitMqOptions();
        services.AddSingleton(options);
        services.AddMassTransit(x =>
        {
            // MassTransit 8.4+ reports anonymous usage to its vendor; a gateway in a closed network must not.
            x.DisableUsageTelemetry();
            x.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(options.QueuePrefix, false));
            configure(x);
            if (options.Transport.Equals("InMemory", StringComparison.OrdinalIgnoreCase))
            {
                x.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
                return;
            }

            x.UsingRabbitMq((context, cfg) =>
            {
                cfg.Host(options.Host, options.Port, options.VirtualHost, h =>
                {
                    h.Username(options.Username);
                    h.Password(options.Password);
                    h.Heartbeat(TimeSpan.FromSeconds(options.HeartbeatSeconds));
                });
                cfg.ConfigureEndpoints(context);
            });
        });
        return services;
    }
}
