using System.Threading.Channels;
using OrProject.Contracts.Messaging;
using OrProject.Worker.Return;

namespace OrProject.Worker.Generation;

/// <summary>
/// Sends one request's replies to the edge in <c>Seq</c> order, batching adaptively: the first token leaves at once;
/// while a send is in flight, later events accumulate and leave together in the next chunk. Every message is sent
/// from one loop, so the sequence numbers go out in order.
/// </summary>
/// <remarks>
/// Every reply is a frame on the return channel (a write, a read and a translation at the edge), so none goes that
/// says nothing new: the events before the first token (<c>message_start</c>,
/// <c>content_block_start</c>) wait for it, up to <c>startNotice</c>, and go in its chunk; only an upstream slower
/// than that gets a <see cref="GenerationStarted"/> of its own; and the events after the first chunk that are not sent
/// yet when the upstream's stream ends (its last ones, or all after the first token when the upstream is quick) ride in
/// <see cref="GenerationCompleted"/>, which carries the charge, rather than in a chunk before it. The whole answer
/// reaches the client no later: its response ends with the completion either way.
/// </remarks>
internal sealed class ReplySender
{
    private const int MaxEventsPerChunk = 512;
    private readonly IReplyChannel _endpoint;
    private readonly string _requestId;
    private readonly CancellationToken _cancellationToken;
    private readonly Channel<SseEvent> _events = Channel.CreateUnbounded<SseEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly List<SseEvent> _batch = [];
    private readonly TimeSpan _heartbeat;
    private readonly TimeSpan _startNotice;
    private readonly TaskCompletionSource _finishing = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string _workerId = "";
    private volatile bool _folding;
    private Task? _pump;
    private CancellationTokenSource? _quiet;
    private int _seq;

    /// <param name="endpoint">The return channel to the edge that holds the client's connection.</param>
    /// <param name="requestId">The request every reply names.</param>
    /// <param name="heartbeat">Silence after which an empty chunk tells the edge the generation is alive.</param>
    /// <param name="startNotice">
    /// How long the events before the first token wait for it, and how long the edge may go without hearing that a
    /// worker took the request; far below the edge's queue timeout, which only the first reply ends.
    /// </param>
    /// <param name="cancellationToken">Stops sending (the worker is shutting down).</param>
    public ReplySender(IReplyChannel endpoint, string requestId, TimeSpan heartbeat, TimeSpan startNotice, CancellationToken cancellationToken)
    {
        _endpoint = endpoint;
        _requestId = requestId;
        _heartbeat = heartbeat;
        _startNotice = startNotice;
        _cancellationToken = cancellationToken;
    }

    /// <summary>Whether the generation's final message (completion or failure) went to the edge.</summary>
    public bool Finished { get; private set; }

    /// <summary>Completes once the loop that sends chunks and heartbeats has ended: it sends nothing after that.</summary>
    public Task Stopped => _pump ?? Task.CompletedTask;

    /// <summary>The account serving the request, named in every chunk so the edge can charge if this worker dies.</summary>
    public string? AccountId { get; set; }

    /// <summary>
    /// The worker took the request: from now on the edge hears from it within <c>startNotice</c> (the first chunk,
    /// or <see cref="GenerationStarted"/> naming <paramref name="workerId"/>), then at least every heartbeat.
    /// </summary>
    public void Start(string workerId)
    {
        _workerId = workerId;
        _pump ??= Task.Run(PumpAsync, CancellationToken.None);
    }

    public void Enqueue(SseEvent item) => _events.Writer.TryWrite(item);

    /// <summary>
    /// The upstream's stream ended normally: events not sent yet wait for <see cref="CompleteAsync"/>, which goes once
    /// the usage is priced, with the charge. Heartbeats go on meanwhile.
    /// </summary>
    public void EndOfEvents()
    {
        _folding = true;
        _events.Writer.TryComplete();
    }

    /// <summary>
    /// Ends a generation that completed: events not sent yet go in the completion, with its charge. True when the edge
    /// recorded the charge; otherwise it is the worker's to record.
    /// </summary>
    public Task<bool> CompleteAsync(Func<int, IReadOnlyList<SseEvent>, GenerationCompleted> completed)
    {
        _folding = true;
        return FinishAsync(completed, carriesEvents: true);
    }

    /// <summary>Ends a generation that failed: every event produced goes first, then the failure.</summary>
    public Task FailAsync(Func<int, GenerationFailed> failed) => FinishAsync((seq, _) => failed(seq), carriesEvents: false);

    /// <summary>
    /// Stops the heartbeats of a generation that ended without a final message (the worker failed while running it),
    /// so that the edge notices within its idle timeout and ends the client's answer itself. No-op once finished.
    /// </summary>
    public void Abandon()
    {
        _finishing.TrySetResult();
        _events.Writer.TryComplete();
    }

    /// <summary>Sends a reply in place of any generation (a redelivered dispatch's failure).</summary>
    public Task SendAsync<T>(Func<int, T> reply)
        where T : class, IGenerationReply => _endpoint.SendAsync(reply(NextSeq()), _cancellationToken);

    private async Task<bool> FinishAsync<T>(Func<int, IReadOnlyList<SseEvent>, T> final, bool carriesEvents)
        where T : class, IGenerationReply
    {
        _finishing.TrySetResult();
        _events.Writer.TryComplete();
        _pump ??= Task.Run(PumpAsync, CancellationToken.None);
        await _pump;

        // Left by the pump only when folding: what a chunk would have carried, had the generation not just ended.
        while (_events.Reader.TryRead(out var item))
        {
            _batch.Add(item);
        }

        while (_batch.Count > (carriesEvents ? MaxEventsPerChunk : 0))
        {
            var count = Math.Min(_batch.Count, MaxEventsPerChunk);
            await SendChunkAsync(_batch[..count]);
            _batch.RemoveRange(0, count);
        }

        var charged = await _endpoint.SendAsync(final(NextSeq(), _batch.ToArray()), _cancellationToken);
        Finished = true;
        return charged;
    }

    private int NextSeq() => _seq++;

    private async Task PumpAsync()
    {
        var more = await WaitForFirstTokenAsync();
        var first = _batch.Count > 0; // the first token is never held back, not even behind the charge of an ended stream
        while (first || (more && !_folding))
        {
            first = false;
            while (_batch.Count < MaxEventsPerChunk && _events.Reader.TryRead(out var item))
            {
                _batch.Add(item);
            }

            if (_batch.Count > 0)
            {
                await SendChunkAsync(_batch);
                _batch.Clear();
            }

            more = await WaitOrHeartbeatAsync();
        }

        _quiet?.Dispose();

        while (_folding && !_finishing.Task.IsCompleted)
        {
            try
            {
                await _finishing.Task.WaitAsync(_heartbeat, _cancellationToken);
            }
            catch (TimeoutException)
            {
                await SendChunkAsync([]);
            }
        }
    }

    private Task SendChunkAsync(List<SseEvent> events) =>
        _endpoint.SendAsync(new GenerationChunk(_requestId, NextSeq(), events.ToArray(), AccountId), _cancellationToken);

    /// <summary>
    /// Gathers the events up to the first token (a <c>content_block_delta</c>), or up to the end of the stream, for
    /// at most <c>_startNotice</c>; if none has come by then, tells the edge the request is taken. False when the
    /// stream ended with nothing more to wait for.
    /// </summary>
    private async Task<bool> WaitForFirstTokenAsync()
    {
        using var notice = new CancellationTokenSource(_startNotice);
        try
        {
            while (await _events.Reader.WaitToReadAsync(notice.Token))
            {
                while (_events.Reader.TryRead(out var item))
                {
                    _batch.Add(item);
                    if (item.Event == "content_block_delta")
                    {
                        return true;
                    }
                }
            }

            return _batch.Count > 0; // the stream ended before any token: what there is goes as the first chunk
        }
        catch (OperationCanceledException) when (notice.IsCancellationRequested)
        {
            if (_batch.Count == 0)
            {
                await _endpoint.SendAsync(new GenerationStarted(_requestId, NextSeq(), _workerId), _cancellationToken);
            }

            return true;
        }
    }

    /// <summary>
    /// Waits for events; after <c>_heartbeat</c> of silence (a model thinking, an upstream slow to start) sends an
    /// empty chunk, so the edge tells a quiet generation from a dead worker within seconds.
    /// </summary>
    private async Task<bool> WaitOrHeartbeatAsync()
    {
        while (true)
        {
            // One source for the generation, its timer moved on each wait (a wait per token on a long stream); a
            // source whose heartbeat fired is spent, and replaced.
            if (_quiet is null || !_quiet.TryReset())
            {
                _quiet?.Dispose();
                _quiet = new CancellationTokenSource();
            }

            _quiet.CancelAfter(_heartbeat);
            try
            {
                return await _events.Reader.WaitToReadAsync(_quiet.Token);
            }
            catch (OperationCanceledException) when (_quiet.IsCancellationRequested)
            {
                await SendChunkAsync([]);
            }
        }
    }
}
