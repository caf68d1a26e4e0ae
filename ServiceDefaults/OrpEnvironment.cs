using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

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
        ("ORP_INTERNAL_PORT", "ReturnChannel:Port"),
        ("ORP_INTERNAL_BIND", "ReturnChannel:Bind"),
        ("ORP_INTERNAL_HOST", "ReturnChannel:Host"),
        ("ORP_INTERNAL_TOKEN", "ReturnChannel:Token"),
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

    /// <summary>
    /// In the Development environment (an IDE's launch profile, <c>dotnet run</c>), the connection settings that
    /// <c>./orp servers</c> wrote for the servers it started: <c>$ORP_DATA_DIR/dev-settings.json</c>, else the
    /// <c>.orp/dev-settings.json</c> nearest above the content root (the repository's). Environment variables still win.
    /// Elsewhere nothing is read: production hosts are configured by their environment alone.
    /// </summary>
    public static IConfigurationBuilder AddOrpDevelopmentSettings(this IConfigurationBuilder configuration, IHostEnvironment environment)
    {
        if (!environment.IsDevelopment() || DevelopmentSettingsFile(environment.ContentRootPath) is not { } file)
        {
            return configuration;
        }

        return configuration.AddJsonFile(file, optional: true, reloadOnChange: false).AddEnvironmentVariables();
    }

    private static string? DevelopmentSettingsFile(string contentRoot)
    {
        if (Environment.GetEnvironmentVariable("ORP_DATA_DIR") is { Length: > 0 } dataDir)
        {
            return Path.GetFullPath(Path.Combine(dataDir, DevelopmentSettingsName));
        }

        for (var dir = new DirectoryInfo(contentRoot); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, ".orp", DevelopmentSettingsName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private const string DevelopmentSettingsName = "dev-settings.json";

    /// <summary>The URL a host listens on: explicit <c>urls</c> wins, else <c>ORP_BIND</c>:<paramref name="portVariable"/>.</summary>
    public static string ListenUrl(IConfiguration configuration, string portVariable, string defaultPort)
    {
        var bind = Environment.GetEnvironmentVariable("ORP_BIND") is { Length: > 0 } b ? b : "127.0.0.1";
        var port = Environment.GetEnvironmentVariable(portVariable) is { Length: > 0 } p ? p : defaultPort;
        return configuration["urls"] is { Length: > 0 } urls ? urls : $"http://{bind}:{port}";
    }
}
