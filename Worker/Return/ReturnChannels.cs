using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using OrProject.Contracts.Return;

namespace OrProject.Worker.Return;

public sealed class ReturnChannelClientOptions
{
    public const string Section = "ReturnChannel";

    /// <summary>The secret every edge expects (<c>ORP_INTERNAL_TOKEN</c>), shared by the edges and the workers.</summary>
    public string Token { get; set; } = "";

    /// <summary>
    /// How often an idle connection to an edge is pinged, and how long an unanswered ping waits before the connection is
    /// taken for dead: a generation whose edge vanished (power off, network cut) is stopped within these seconds.
    /// </summary>
    public double KeepAliveSeconds { get; set; } = 5;

    public double KeepAliveTimeoutSeconds { get; set; } = 5;
}

/// <summary>
/// One HTTP/2 connection to each edge this worker answers, shared by every generation it streams there: each
/// generation is one gRPC call, a stream of that connection, and HTTP/2's flow control holds back a worker that writes
/// faster than its edge reads.
/// </summary>
internal sealed class ReturnChannels(IOptions<ReturnChannelClientOptions> options) : IDisposable
{
    private readonly ConcurrentDictionary<Uri, (GrpcChannel Channel, GenerationReturn.GenerationReturnClient Client)> _edges = new();

    /// <summary>Opens the call that carries one generation's replies to <paramref name="edge"/>.</summary>
    public AsyncClientStreamingCall<ReplyFrame, Delivered> Open(Uri edge, string requestId, string capability, CancellationToken cancellationToken)
    {
        var client = _edges.GetOrAdd(edge, Create).Client;
        var headers = new Metadata
        {
            { "authorization", "Bearer " + options.Value.Token },
            { "orp-request-id", requestId },
            { "orp-capability", capability },
        };
        return client.Deliver(headers, cancellationToken: cancellationToken);
    }

    private (GrpcChannel, GenerationReturn.GenerationReturnClient) Create(Uri edge)
    {
        var channel = GrpcChannel.ForAddress(edge, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                // One connection per edge: its streams are many generations at once, far below HTTP/2's stream limit.
                EnableMultipleHttp2Connections = false,
                KeepAlivePingDelay = TimeSpan.FromSeconds(options.Value.KeepAliveSeconds),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(options.Value.KeepAliveTimeoutSeconds),
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
                ConnectTimeout = TimeSpan.FromSeconds(5),
            },
            MaxReceiveMessageSize = 4 * 1024 * 1024,
        });
        return (channel, new GenerationReturn.GenerationReturnClient(channel));
    }

    public void Dispose()
    {
        foreach (var (channel, _) in _edges.Values)
        {
            channel.Dispose();
        }
    }
}
