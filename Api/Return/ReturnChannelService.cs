using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Microsoft.Extensions.Options;
using OrProject.Api.Dispatch;
using OrProject.Contracts.Messaging;
using OrProject.Contracts.Return;
using OrProject.Protocols.Anthropic;

namespace OrProject.Api.Return;

/// <summary>
/// The edge's side of the return channel: a worker's call delivers one generation's replies to the request that waits
/// for them. A call that ends without the generation's last reply means its worker is gone (killed, crashed, cut off):
/// the request learns it at once, as a lost worker, and its client gets a well-formed error instead of waiting out a
/// timeout. A request nobody waits for any more (the client left) ends the call, and the worker stops its upstream.
/// </summary>
internal sealed class ReturnChannelService(ReplyRouter router, IOptions<ReturnChannelOptions> options, ILogger<ReturnChannelService> logger)
    : GenerationReturn.GenerationReturnBase
{
    public const string RequestIdHeader = "orp-request-id";
    public const string CapabilityHeader = "orp-capability";

    public override async Task<Delivered> Deliver(IAsyncStreamReader<ReplyFrame> requestStream, ServerCallContext context)
    {
        if (!Authorized(context.RequestHeaders))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "The return channel takes the workers' shared secret."));
        }

        var requestId = context.RequestHeaders.GetValue(RequestIdHeader) ?? "";
        if (router.Attach(requestId, context.RequestHeaders.GetValue(CapabilityHeader) ?? "") is not { } waiting)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"No request {requestId} waits for replies here (finished, or its client left)."));
        }

        using var call = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, waiting.Gone.Token);
        var next = 0;
        try
        {
            while (await requestStream.MoveNext(call.Token))
            {
                if (ReplyFrames.FromFrame(requestId, requestStream.Current) is not { } reply)
                {
                    continue;
                }

                next = reply.Seq + 1;
                waiting.Deliver(reply);
                if (ReplyFrames.IsFinal(reply))
                {
                    // A completion's charge is recorded by the request's pump, with the key's holds; the worker hears
                    // whether it was, and records it itself when not.
                    return new Delivered { Charged = reply is GenerationCompleted { Charge: not null } && await waiting.ChargeRecorded.Task };
                }
            }
        }
        catch (OperationCanceledException) when (waiting.Gone.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, "The client left; stop the generation."));
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or RpcException)
        {
            ReturnLog.CallBroke(logger, requestId, ex.Message);
        }

        // The call ended (or broke) before the generation's last reply: its worker is gone.
        waiting.Deliver(new GenerationFailed(requestId, next, new GenerationError(500, AnthropicErrors.Api,
            $"The worker running request {requestId} stopped mid-generation; the request was not retried to avoid duplicated output."),
            WorkerLost: true));
        return new Delivered();
    }

    private bool Authorized(Metadata headers)
    {
        var presented = headers.GetValue("authorization") is { } value && value.StartsWith("Bearer ", StringComparison.Ordinal) ? value[7..] : "";
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(options.Value.Token));
    }
}

internal static partial class ReturnLog
{
    [LoggerMessage(LogLevel.Warning, "The return channel of request {RequestId} broke before its last reply: {Reason}")]
    public static partial void CallBroke(ILogger logger, string requestId, string reason);

    [LoggerMessage(LogLevel.Information, "Return channel listening on {Address} (workers reach it at {Advertised})")]
    public static partial void Listening(ILogger logger, string address, Uri advertised);
}
