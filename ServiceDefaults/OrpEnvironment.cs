using Microsoft.Extensions.Configuration;

namespace OrProject.ServiceDefaults;

/// <summary>
/// Maps the documented <c>ORP_*</c> environment variables (the README's Configuration section) onto configuration keys, so that
/// <c>./orp</c>, Docker and appsettings all configure the same options. Only variables that are set are mapped.
/// </summary>
public static class OrpEnvironment
{
    private static readonly (string Variable, string Key)[] Map =
    [
        ("ORP_ADMIN_TOKEN", "Admin:Token"),
        ("ORP_KEY_PREFIX", "Keys:Prefix"),
        ("ORP_UPSTREAM_URL", "Upstream:Url"),
        ("ORP_UPSTREAM_KEY", "Upstream:Key"),
        ("ORP_UPSTREAM_KIND", "Upstream:Kind"),
        ("ORP_WORKER_ID", "Worker:Id"),
    ];

    public static IConfigurationBuilder AddOrpEnvironment(this IConfigurationBuilder configuration)
    {
        var values = new Dictionary<string, string?>();
        foreach (var (variable, key) in Map)
        {
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value)
            {
                values[key] = value;
            }
        }

        return configuration.AddInMemoryCollection(values);
    }

    /// <summary>The URL a host listens on: explicit <c>urls</c> wins, else <c>ORP_BIND</c>:<paramref name="portVariable"/>.</summary>
    public static string ListenUrl(IConfiguration configuration, string portVariable, string defaultPort)
    {
        var bind = Environment.GetEnvironmentVariable("ORP_BIND") is { Length: > 0 } b ? b : "127.0.0.1";
        var port = Environment.GetEnvironmentVariable(portVariable) is { Length: > 0 } p ? p : defaultPort;
        return configuration["urls"] is { Length: > 0 } urls ? urls : $"http://{bind}:{port}";
    }
}
