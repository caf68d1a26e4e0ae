using System.Threading.Channels;
using MassTransit;

namespace OrProject.Worker.Tests;

/// <summary>
/// A send endpoint that records what is sent, in order. Each send completes when the test releases it (or at once
/// when <see cref="Immediate"/>), as a broker's confirm would, so the test controls what is "in flight".
/// </summary>
internal sealed class RecordingEndpoint : ISendEndpoint
{
    private readonly Channel<object> _sent = Channel.CreateUnbounded<object>();
    private readonly Queue<TaskCompletionSource> _confirms = new();
    private readonly Lock _lock = new();

    public bool Immediate { get; set; } = true;

    public List<object> Messages { get; } = [];

    /// <summary>The next message sent, within two seconds.</summary>
    public async Task<object> NextAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        return await _sent.Reader.ReadAsync(timeout.Token);
    }

    /// <summary>True when nothing more is sent within <paramref name="wait"/>.</summary>
    public async Task<bool> QuietForAsync(TimeSpan wait)
    {
        using var timeout = new CancellationTokenSource(wait);
        try
        {
            await _sent.Reader.WaitToReadAsync(timeout.Token);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    /// <summary>Confirms the oldest send still in flight.</summary>
    public void Confirm()
    {
        lock (_lock)
        {
            _confirms.Dequeue().SetResult();
        }
    }

    private Task Record(object message)
    {
        lock (_lock)
        {
            // Whether this send waits is settled before the test can see the message (and change Immediate).
            var sent = Task.CompletedTask;
            if (!Immediate)
            {
                var confirm = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _confirms.Enqueue(confirm);
                sent = confirm.Task;
            }

            Messages.Add(message);
            _sent.Writer.TryWrite(message);
            return sent;
        }
    }

    public Task Send<T>(T message, CancellationToken cancellationToken = default)
        where T : class => Record(message);

    public Task Send<T>(T message, IPipe<SendContext<T>> pipe, CancellationToken cancellationToken = default)
        where T : class => Record(message);

    public Task Send<T>(T message, IPipe<SendContext> pipe, CancellationToken cancellationToken = default)
        where T : class => Record(message);

    public Task Send(object message, CancellationToken cancellationToken = default) => Record(message);

    public Task Send(object message, Type messageType, CancellationToken cancellationToken = default) => Record(message);

    public Task Send(object message, IPipe<SendContext> pipe, CancellationToken cancellationToken = default) => Record(message);

    public Task Send(object message, Type messageType, IPipe<SendContext> pipe, CancellationToken cancellationToken = default) =>
        Record(message);

    public Task Send<T>(object values, CancellationToken cancellationToken = default)
        where T : class => throw new NotSupportedException();

    public Task Send<T>(object values, IPipe<SendContext<T>> pipe, CancellationToken cancellationToken = default)
        where T : class => throw new NotSupportedException();

    public Task Send<T>(object values, IPipe<SendContext> pipe, CancellationToken cancellationToken = default)
        where T : class => throw new NotSupportedException();

    public ConnectHandle ConnectSendObserver(ISendObserver observer) => throw new NotSupportedException();
}
