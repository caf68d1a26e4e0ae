using System.Threading.Channels;
using OrProject.Contracts.Messaging;
using OrProject.Worker.Return;

namespace OrProject.Worker.Tests;

/// <summary>
/// A return channel that records what is sent, in order. Each send completes when the test releases it (or at once
/// when <see cref="Immediate"/>), as HTTP/2 flow control would, so the test controls what is "in flight".
/// </summary>
internal sealed class RecordingEndpoint : IReplyChannel
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

    /// <summary>What the edge says to a completion's charge (recorded or not).</summary>
    public bool RecordsCharges { get; set; }

    public async Task<bool> SendAsync(IGenerationReply reply, CancellationToken cancellationToken)
    {
        await Record(reply);
        return reply is GenerationCompleted { Charge: not null } && RecordsCharges;
    }

    public CancellationToken Broken => CancellationToken.None;
}
