using OrProject.Api;
using OrProject.ServiceDefaults;
using Serilog;

Logging.CreateBootstrapLogger();
try
{
    var builder = WebApplication.CreateSlimBuilder(args);
    builder.Configuration.AddOrpDevelopmentSettings(builder.Environment).AddOrpEnvironment();
    builder.WebHost.UseUrls(OrpEnvironment.ListenUrl(builder.Configuration, "ORP_HTTP_PORT", "8080"));
    builder.AddOrProjectEdge();

    var app = builder.Build();
    app.MapOrProjectEdge();
    await app.RunAsync();
}
catch (Exception ex) when (ex is not HostAbortedException)
{
    Log.Fatal(ex, "The edge stopped unexpectedly");
    throw;
}
finally
{
    await Log.CloseAndFlushAsync();
}

/// <summary>The edge host; public for WebApplicationFactory-based tests.</summary>
public partial class Program;
