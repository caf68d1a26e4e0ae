using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using OrProject.Contracts.Messaging;

namespace OrProject.Api.Dispatch;

/// <summary>
/// Routes the replies a worker streams back over the return channel to the request waiting for them: one channel per
/// request id, reachable only with the capability the edge put in that request's dispatch. A reply for a request
/// nobody waits for any more (the client left) is dropped, and the worker's call is ended so that it stops.
/// </summary>
internal sealed class ReplyRouter
{
    private readonly ConcurrentDictionary<string, Waiting> _waiting = new();
    private readonly TaskCompletionSource<Uri> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>This instance's return-channel address, once its internal endpoint listens.</summary>
    public Task<Uri> Address => _address.Task;

    public bool IsReady => _address.Task.IsCompletedSuccessfully;

    public void SetAddress(Uri address) => _address.TrySetResult(address);

    public ReplyReader Open(string requestId, string capability)
    {
        // Not single-writer: a worker that took over a redelivered dispatch may call while the first one's call ends.
        var channel = Channel.CreateUnbounded<IGenerationReply>(new UnboundedChannelOptions { SingleReader = true });
        var waiting = new Waiting(channel, capability, new CancellationTokenSource(),
            new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        _waiting[requestId] = waiting;
        return new ReplyReader(channel.Reader, waiting.ChargeRecorded, () =>
        {
            if (_waiting.TryRemove(new KeyValuePair<string, Waiting>(requestId, waiting)))
            {
                waiting.Gone.Cancel();
            }
        });
    }

    /// <summary>
    /// The request a worker's call delivers to, when it is still waiting and the capability is the one its dispatch
    /// carried; null otherwise (unknown, finished, or a caller that was not given it).
    /// </summary>
    public Waiting? Attach(string requestId, string capability) =>
        _waiting.TryGetValue(requestId, out var waiting) &&
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(waiting.Capability), Encoding.UTF8.GetBytes(capability))
            ? waiting
            : null;

    /// <summary>
    /// One waiting request: where its replies go, a token cancelled once nobody reads them, and whether the edge recorded
    /// the charge its completion carried (false when it could not, or when the request ended first).
    /// </summary>
    internal sealed record Waiting(Channel<IGenerationReply> Replies, string Capability, CancellationTokenSource Gone,
        TaskCompletionSource<bool> ChargeRecorded)
    {
        public void Deliver(IGenerationReply reply) => Replies.Writer.TryWrite(reply);
    }
}

/// <summary>Reads one request's replies in <c>Seq</c> order, whatever order the broker delivered them in.</summary>
internal sealed class ReplyReader(ChannelReader<IGenerationReply> reader, TaskCompletionSource<bool> chargeRecorded, Action close) : IDisposable
{
    private readonly SortedList<int, IGenerationReply> _early = [];
    private CancellationTokenSource? _deadline;
    private CancellationToken _linkedTo;
    private int _next;

    /// <summary>The next reply in sequence, or null when none arrives within <paramref name="timeout"/>.</summary>
    /// <remarks>
    /// Called once per token of a long stream, so the deadline is one source per request whose timer is moved on
    /// each call, not a new linked source and timer per read, and the method's state is pooled (most calls wait).
    /// </remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<IGenerationReply?> ReadAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Deadline(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            if (_early.Remove(_next, out var ready))
            {
                _next++;
                return ready;
            }

            if (!reader.TryRead(out var reply))
            {
                try
                {
                    reply = await reader.ReadAsync(deadline.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    return null;
                }
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

    /// <summary>Tells the worker's call whether the charge of the completed generation is in the ledger.</summary>
    public void ChargeRecorded(bool recorded) => chargeRecorded.TrySetResult(recorded);

    public void Dispose()
    {
        _deadline?.Dispose();
        chargeRecorded.TrySetResult(false); // not recorded here: the worker records it
        close();
    }

    private CancellationTokenSource Deadline(CancellationToken cancellationToken)
    {
        if (_deadline is null || _deadline.IsCancellationRequested || _linkedTo != cancellationToken)
        {
            _deadline?.Dispose();
            _deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _linkedTo = cancellationToken;
        }

        return _deadline;
    }
}
