using System.Collections.Concurrent;
using System.Threading.Channels;
using OrProject.Contracts.Messaging;

namespace OrProject.Api.Dispatch;

/// <summary>
/// Routes replies arriving on this edge instance's reply queue to the request waiting for them: one channel per
/// request id. A reply for a request nobody waits for any more (the client left) is dropped.
/// </summary>
internal sealed class ReplyRouter
{
    private readonly ConcurrentDictionary<string, Channel<IGenerationReply>> _waiting = new();
    private readonly TaskCompletionSource<Uri> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>This instance's reply endpoint, once the temporary queue exists.</summary>
    public Task<Uri> Address => _address.Task;

    public bool IsReady => _address.Task.IsCompletedSuccessfully;

    public void SetAddress(Uri address) => _address.TrySetResult(address);

    public ReplyReader Open(string requestId)
    {
        var channel = Channel.CreateUnbounded<IGenerationReply>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        _waiting[requestId] = channel;
        return new ReplyReader(channel.Reader, () => _waiting.TryRemove(requestId, out _));
    }

    public void Deliver(IGenerationReply reply)
    {
        if (_waiting.TryGetValue(reply.RequestId, out var channel))
        {
            channel.Writer.TryWrite(reply);
        }
    }
}

/// <summary>Reads one request's replies in <c>Seq</c> order, whatever order the broker delivered them in.</summary>
internal sealed class ReplyReader(ChannelReader<IGenerationReply> reader, Action close) : IDisposable
{
    private readonly SortedList<int, IGenerationReply> _early = [];
    private int _next;

    /// <summary>The next reply in sequence, or null when none arrives within <paramref name="timeout"/>.</summary>
    public async ValueTask<IGenerationReply?> ReadAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            if (_early.Remove(_next, out var ready))
            {
                _next++;
                return ready;
            }

            IGenerationReply reply;
            try
            {
                reply = await reader.ReadAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return null;
            }

            if (reply.Seq == _next)
            {
                _next++;
                return reply;
            }

            if (reply.Seq > _next)
            {
                _early[reply.Seq] = reply;
            }
        }
    }

    public void Dispose() => close();
}
