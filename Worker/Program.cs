using OrProject.ServiceDefaults;
using OrProject.Worker;
using Serilog;

Logging.CreateBootstrapLogger();
try
{
    var builder = WebApplication.CreateSlimBuilder(args);
    builder.Configuration.AddOrpDevelopmentSettings(builder.Environment).AddOrpEnvironment();
    builder.WebHost.UseUrls(OrpEnvironment.ListenUrl(builder.Configuration, "ORP_WORKER_PORT", "0"));
    builder.AddOrProjectWorker();

    var app = builder.Build();
    app.MapOrProjectWorker();
    await app.RunAsync();
}
catch (Exception ex) when (ex is not HostAbortedException)
{
    Log.Fatal(ex, "The worker stopped unexpectedly");
    throw;
}
finally
{
    await Log.CloseAndFlushAsync();
}
