using Grpc.Core;
using OrProject.Contracts.Messaging;
using OrProject.Contracts.Return;

namespace OrProject.Worker.Return;

/// <summary>
/// One generation's call on the return channel, opened when the worker takes the request (<see cref="Open"/>) or with
/// its first reply. Disposing it without a last reply ends
/// the call unfinished, which the edge takes as a lost worker; the edge ending it (its client left, or it is gone)
/// cancels <see cref="Broken"/>, and the generation stops its upstream call.
/// </summary>
internal sealed class GrpcReplyChannel(ReturnChannels channels, Uri edge, string requestId, string capability) : IReplyChannel, IAsyncDisposable
{
    private readonly CancellationTokenSource _broken = new();
    private AsyncClientStreamingCall<ReplyFrame, Delivered>? _call;
    private bool _finished;

    public CancellationToken Broken => _broken.Token;

    /// <summary>
    /// Opens the call before there is anything to send: the stream is set up and routed at the edge while the upstream
    /// reads the request, so the first token goes out as one frame on a stream that is already there, and a client
    /// that already left stops the generation before the upstream is called.
    /// </summary>
    public void Open()
    {
        if (_call is null)
        {
            _call = channels.Open(edge, requestId, capability, CancellationToken.None);
            _ = WatchAsync(_call);
        }
    }

    public async Task<bool> SendAsync(IGenerationReply reply, CancellationToken cancellationToken)
    {
        Open();
        try
        {
            await _call!.RequestStream.WriteAsync(ReplyFrames.ToFrame(reply), cancellationToken);
            if (!ReplyFrames.IsFinal(reply))
            {
                return false;
            }

            _finished = true;
            await _call.RequestStream.CompleteAsync();
            return (await _call.ResponseAsync).Charged && reply is GenerationCompleted { Charge: not null };
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException or IOException)
        {
            _broken.Cancel();
            throw new ReplyChannelBrokenException(requestId, ex);
        }
    }

    /// <summary>The edge may end the call before this side does (its client left, it stopped): the generation stops.</summary>
    private async Task WatchAsync(AsyncClientStreamingCall<ReplyFrame, Delivered> call)
    {
        try
        {
            await call.ResponseAsync;
        }
        catch (RpcException)
        {
            // ended by the edge, or the connection broke
        }

        if (!_finished)
        {
            await _broken.CancelAsync();
        }
    }

    public ValueTask DisposeAsync()
    {
        // Unfinished: cancelling the call resets its stream, and the edge learns at once that this worker is gone.
        _call?.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>The edge can no longer be told: its client left, or the edge itself is gone.</summary>
internal sealed class ReplyChannelBrokenException(string requestId, Exception inner)
    : Exception($"The return channel of request {requestId} is closed: {inner.Message}", inner);
