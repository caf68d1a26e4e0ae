using System.Threading.Channels;
using MassTransit;
using OrProject.Contracts.Messaging;

namespace OrProject.Worker.Generation;

/// <summary>
/// Sends one request's replies to the edge in <c>Seq</c> order, batching adaptively: the first event leaves at
/// once; while a send is in flight, later events accumulate and leave together in the next chunk.
/// </summary>
internal sealed class ReplySender
{
    private const int MaxEventsPerChunk = 512;
    private readonly ISendEndpoint _endpoint;
    private readonly string _requestId;
    private readonly CancellationToken _cancellationToken;
    private readonly Channel<SseEvent> _events = Channel.CreateUnbounded<SseEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly TimeSpan _heartbeat;
    private Task? _pump;
    private Task _first = Task.CompletedTask;
    private int _seq;

    public ReplySender(ISendEndpoint endpoint, string requestId, TimeSpan heartbeat, CancellationToken cancellationToken)
    {
        _endpoint = endpoint;
        _requestId = requestId;
        _heartbeat = heartbeat;
        _cancellationToken = cancellationToken;
    }

    /// <summary>The account serving the request, named in every chunk so the edge can charge if this worker dies.</summary>
    public string? AccountId { get; set; }

    /// <summary>Starts sending chunks and heartbeats, after the first reply took sequence number 0.</summary>
    private void Start() => _pump ??= Task.Run(PumpAsync, CancellationToken.None);

    public void Enqueue(SseEvent item) => _events.Writer.TryWrite(item);

    /// <summary>Sends the queued events, then the final message built from the next sequence number.</summary>
    public async Task FinishAsync<T>(Func<int, T> final)
        where T : class, IGenerationReply
    {
        _events.Writer.TryComplete();
        Start();
        await _pump!;
        await _first;
        await _endpoint.Send(final(NextSeq()), _cancellationToken);
    }

    /// <summary>
    /// Sends the first reply (<see cref="GenerationStarted"/>) without waiting for the broker to confirm it: the
    /// upstream call and the first events go meanwhile (the edge orders replies by <c>Seq</c> whatever order they
    /// arrive in); the final message waits for it.
    /// </summary>
    public void Start<T>(Func<int, T> reply)
        where T : class, IGenerationReply
    {
        _first = _endpoint.Send(reply(NextSeq()), _cancellationToken);
        Start();
    }

    /// <summary>Sends a reply in place of any generation (a redelivered dispatch's failure).</summary>
    public Task SendAsync<T>(Func<int, T> reply)
        where T : class, IGenerationReply => _endpoint.Send(reply(NextSeq()), _cancellationToken);

    private int NextSeq() => Interlocked.Increment(ref _seq) - 1;

    private async Task PumpAsync()
    {
        var batch = new List<SseEvent>();
        while (await WaitOrHeartbeatAsync())
        {
            while (batch.Count < MaxEventsPerChunk && _events.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            await _endpoint.Send(new GenerationChunk(_requestId, NextSeq(), batch.ToArray(), AccountId), _cancellationToken);
            batch.Clear();
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
            using var quiet = new CancellationTokenSource(_heartbeat);
            try
            {
                return await _events.Reader.WaitToReadAsync(quiet.Token);
            }
            catch (OperationCanceledException) when (quiet.IsCancellationRequested)
            {
                await _endpoint.Send(new GenerationChunk(_requestId, NextSeq(), [], AccountId), _cancellationToken);
            }
        }
    }
}
