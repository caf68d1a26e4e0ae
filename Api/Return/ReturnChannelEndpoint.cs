using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using OrProject.Api.Dispatch;

namespace OrProject.Api.Return;

/// <summary>
/// Kestrel's two doors: the public one (HTTP/1.1 and HTTP/2, every client route) and the internal one (HTTP/2 only,
/// the return channel and nothing else). Both are declared here because Kestrel takes explicit endpoints or URLs, not
/// both: the public URL is read from the host's <c>urls</c> setting (the same as before) and cleared.
/// </summary>
internal static class ReturnChannelEndpoint
{
    public static void Configure(WebApplicationBuilder builder)
    {
        var publicUrl = new Uri(builder.Configuration["urls"] is { Length: > 0 } urls ? urls.Split(';')[0] : "http://127.0.0.1:8080");
        var settings = builder.Configuration.GetSection(ReturnChannelOptions.Section).Get<ReturnChannelOptions>() ?? new ReturnChannelOptions();
        var internalPort = settings.Port ?? (publicUrl.Port == 0 ? 0 : publicUrl.Port + 1);
        var holder = new InternalListen();
        builder.Services.AddSingleton(holder);
        builder.WebHost.UseSetting(WebHostDefaults.ServerUrlsKey, "");
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Every generation a worker streams here is one HTTP/2 stream of its one connection: Kestrel's default of
            // 100 streams a connection queued the 101st generation's call until another ended (the long-stream bench,
            // 400 at once, showed a 2.2 s first token and then a burst).
            kestrel.Limits.Http2.MaxStreamsPerConnection = 4096;
            Listen(kestrel, publicUrl.Host, publicUrl.Port, HttpProtocols.Http1AndHttp2, _ => { });
            Listen(kestrel, settings.Bind, internalPort, HttpProtocols.Http2, listen => holder.Options = listen);
        });
        builder.Services.AddHostedService<AddressPublisher>();
    }

    /// <summary>
    /// The internal port serves the return channel and nothing else; the public port never serves it (404 either way,
    /// before routing, so neither side learns the other's routes).
    /// </summary>
    /// <summary>Whether the request is a worker's call on the return channel (its gRPC service's path).</summary>
    public static bool IsReturnCall(HttpRequest request) => request.Path.StartsWithSegments(ServicePath);

    private static readonly PathString ServicePath = "/" + Contracts.Return.GenerationReturn.Descriptor.FullName;

    public static Task KeepApartAsync(HttpContext context, RequestDelegate next)
    {
        var internalPort = context.RequestServices.GetRequiredService<InternalListen>().Port is { } port && context.Connection.LocalPort == port;
        if (internalPort == IsReturnCall(context.Request))
        {
            return next(context);
        }

        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    private static void Listen(KestrelServerOptions kestrel, string host, int port, HttpProtocols protocols, Action<ListenOptions> configured)
    {
        void Configure(ListenOptions listen)
        {
            listen.Protocols = protocols;
            configured(listen);
        }

        if (host is "localhost")
        {
            kestrel.ListenLocalhost(port, Configure);
        }
        else if (host is "0.0.0.0" or "*" or "+" or "[::]" or "::")
        {
            kestrel.ListenAnyIP(port, Configure);
        }
        else
        {
            kestrel.Listen(IPAddress.Parse(host.Trim('[', ']')), port, Configure);
        }
    }

    /// <summary>The internal endpoint, whose port is known once Kestrel bound it (port 0 in tests).</summary>
    internal sealed class InternalListen
    {
        public ListenOptions? Options { get; set; }

        public int? Port => (Options?.EndPoint as IPEndPoint)?.Port is { } port and > 0 ? port : null;
    }

    /// <summary>Once the server listens, tells the router the address workers reach this edge at.</summary>
    private sealed class AddressPublisher(IHostApplicationLifetime lifetime, InternalListen listen, ReplyRouter router,
        IOptions<ReturnChannelOptions> options, ILogger<AddressPublisher> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStarted.Register(() =>
            {
                if (listen.Port is { } port)
                {
                    var address = new Uri($"http://{options.Value.Host}:{port}");
                    router.SetAddress(address);
                    ReturnLog.Listening(logger, listen.Options!.EndPoint.ToString() ?? "", address);
                }
            });
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
