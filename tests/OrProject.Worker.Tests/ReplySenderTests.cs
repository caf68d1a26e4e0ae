using OrProject.Contracts.Messaging;
using OrProject.Worker.Generation;

namespace OrProject.Worker.Tests;

public sealed class ReplySenderTests
{
    private static readonly SseEvent MessageStart = new("message_start", """{"type":"message_start"}""");
    private static readonly SseEvent BlockStart = new("content_block_start", """{"type":"content_block_start","index":0}""");
    private static readonly SseEvent MessageStop = new("message_stop", """{"type":"message_stop"}""");

    private static SseEvent Delta(string text) =>
        new("content_block_delta", $$$"""{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"{{{text}}}"}}""");

    private static ReplySender Sender(RecordingEndpoint endpoint, double noticeMs = 1000, double heartbeatMs = 10_000) =>
        new(endpoint, "req_1", TimeSpan.FromMilliseconds(heartbeatMs), TimeSpan.FromMilliseconds(noticeMs), CancellationToken.None);

    [Fact]
    public async Task EventsBeforeTheFirstToken_WaitForIt_AndGoInOneChunk()
    {
        var endpoint = new RecordingEndpoint();
        // A notice far beyond the test: on a loaded machine the default second could pass before the token is enqueued.
        var sender = Sender(endpoint, noticeMs: 60_000);
        sender.AccountId = "acct";
        sender.Start("worker-1");

        sender.Enqueue(MessageStart);
        sender.Enqueue(BlockStart);
        Assert.True(await endpoint.QuietForAsync(TimeSpan.FromMilliseconds(100)), "events before the first token left on their own");

        sender.Enqueue(Delta("Hi"));
        var chunk = Assert.IsType<GenerationChunk>(await endpoint.NextAsync());
        Assert.Equal(0, chunk.Seq);
        Assert.Equal("acct", chunk.AccountId);
        Assert.Equal(["message_start", "content_block_start", "content_block_delta"], chunk.Events.Select(e => e.Event));
    }

    [Fact]
    public async Task UpstreamSlowerThanTheNotice_EdgeIsToldTheRequestIsTaken()
    {
        var endpoint = new RecordingEndpoint();
        var sender = Sender(endpoint, noticeMs: 50);
        sender.Start("worker-1");

        var started = Assert.IsType<GenerationStarted>(await endpoint.NextAsync());
        Assert.Equal((0, "worker-1", "req_1"), (started.Seq, started.WorkerId, started.RequestId));

        sender.Enqueue(Delta("Hi"));
        var chunk = Assert.IsType<GenerationChunk>(await endpoint.NextAsync());
        Assert.Equal(1, chunk.Seq);
        Assert.Equal([Delta("Hi")], chunk.Events);
    }

    [Fact]
    public async Task EventsBeforeATokenThatNeverComes_LeaveAfterTheNotice()
    {
        var endpoint = new RecordingEndpoint();
        var sender = Sender(endpoint, noticeMs: 50);
        sender.Start("worker-1");
        sender.Enqueue(MessageStart);

        var chunk = Assert.IsType<GenerationChunk>(await endpoint.NextAsync());
        Assert.Equal([MessageStart], chunk.Events);
        Assert.DoesNotContain(endpoint.Messages, m => m is GenerationStarted); // the chunk said it
    }

    [Fact]
    public async Task WhileASendIsInFlight_LaterEventsAccumulateIntoTheNextChunk()
    {
        var endpoint = new RecordingEndpoint { Immediate = false };
        var sender = Sender(endpoint);
        sender.Start("worker-1");
        sender.Enqueue(Delta("a"));
        Assert.Single(Assert.IsType<GenerationChunk>(await endpoint.NextAsync()).Events);

        sender.Enqueue(Delta("b"));
        sender.Enqueue(Delta("c"));
        sender.Enqueue(Delta("d"));
        Assert.True(await endpoint.QuietForAsync(TimeSpan.FromMilliseconds(100)), "a chunk left while the previous send was unconfirmed");

        endpoint.Confirm();
        var next = Assert.IsType<GenerationChunk>(await endpoint.NextAsync());
        Assert.Equal(1, next.Seq);
        Assert.Equal([Delta("b"), Delta("c"), Delta("d")], next.Events);
    }

    [Fact]
    public async Task Completion_CarriesTheEventsNoChunkCarriedYet()
    {
        var endpoint = new RecordingEndpoint { Immediate = false };
        var sender = Sender(endpoint);
        sender.Start("worker-1");
        sender.Enqueue(Delta("a"));
        await endpoint.NextAsync(); // chunk 0, unconfirmed
        sender.Enqueue(Delta("b"));
        sender.Enqueue(MessageStop);

        var usage = new TokenUsage(10, 2, 0, 0);
        var completing = sender.CompleteAsync((seq, tail) => new GenerationCompleted("req_1", seq, usage, "end_turn", tail));
        endpoint.Confirm();
        var completed = Assert.IsType<GenerationCompleted>(await endpoint.NextAsync());
        endpoint.Confirm();
        await completing;

        Assert.Equal(1, completed.Seq);
        Assert.Equal(usage, completed.Usage);
        Assert.Equal([Delta("b"), MessageStop], completed.Events);
        Assert.Equal(2, endpoint.Messages.Count);
    }

    [Fact]
    public async Task Failure_SendsEveryEventProducedBeforeIt()
    {
        var endpoint = new RecordingEndpoint { Immediate = false };
        var sender = Sender(endpoint);
        sender.Start("worker-1");
        sender.Enqueue(Delta("a"));
        await endpoint.NextAsync();
        sender.Enqueue(Delta("b"));
        sender.Enqueue(Delta("c"));

        var failing = sender.FailAsync(seq => new GenerationFailed("req_1", seq, new GenerationError(529, "overloaded_error", "upstream died")));
        endpoint.Confirm();
        var chunk = Assert.IsType<GenerationChunk>(await endpoint.NextAsync());
        endpoint.Confirm();
        var failed = Assert.IsType<GenerationFailed>(await endpoint.NextAsync());
        endpoint.Confirm();
        await failing;

        Assert.Equal([Delta("b"), Delta("c")], chunk.Events);
        Assert.Equal((1, 2), (chunk.Seq, failed.Seq));
    }

    [Fact]
    public async Task FailureBeforeAnyEvent_IsTheFirstReply()
    {
        var endpoint = new RecordingEndpoint();
        var sender = Sender(endpoint);
        sender.Start("worker-1");

        await sender.FailAsync(seq => new GenerationFailed("req_1", seq, new GenerationError(429, "rate_limit_error", "every account is rate limited")));

        var failed = Assert.IsType<GenerationFailed>(Assert.Single(endpoint.Messages));
        Assert.Equal(0, failed.Seq);
    }

    [Fact]
    public async Task QuietGeneration_SendsEmptyChunksAsHeartbeats()
    {
        var endpoint = new RecordingEndpoint();
        var sender = Sender(endpoint, heartbeatMs: 50);
        sender.Start("worker-1");
        sender.Enqueue(Delta("a"));
        await endpoint.NextAsync();

        var heartbeat = Assert.IsType<GenerationChunk>(await endpoint.NextAsync());
        Assert.Empty(heartbeat.Events);
        Assert.Equal(1, heartbeat.Seq);
    }

    [Fact]
    public async Task LongTail_IsSplitIntoChunksOfAtMost512EventsBeforeTheCompletion()
    {
        var endpoint = new RecordingEndpoint { Immediate = false };
        var sender = Sender(endpoint);
        sender.Start("worker-1");
        sender.Enqueue(Delta("first"));
        await endpoint.NextAsync();
        var tail = Enumerable.Range(0, 1200).Select(i => Delta(i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
        tail.ForEach(sender.Enqueue);

        endpoint.Immediate = true;
        var completing = sender.CompleteAsync((seq, rest) => new GenerationCompleted("req_1", seq, TokenUsage.Zero, "end_turn", rest));
        endpoint.Confirm();
        await completing;

        var replies = endpoint.Messages.Cast<IGenerationReply>().ToList();
        Assert.Equal([0, 1, 2, 3], replies.Select(r => r.Seq));
        var carried = replies.Skip(1).SelectMany(r => r is GenerationChunk c ? c.Events : ((GenerationCompleted)r).Events!).ToList();
        Assert.Equal(tail, carried);
        Assert.All(replies.OfType<GenerationChunk>(), c => Assert.True(c.Events.Count <= 512));
    }

    [Fact]
    public async Task AfterTheUpstreamEnds_UnsentEventsWaitForTheCompletion_WithHeartbeatsWhileTheChargeIsSlow()
    {
        var endpoint = new RecordingEndpoint { Immediate = false };
        var sender = Sender(endpoint, heartbeatMs: 50);
        sender.Start("worker-1");
        sender.Enqueue(Delta("a"));
        await endpoint.NextAsync(); // chunk 0, unconfirmed
        sender.Enqueue(Delta("b"));
        sender.Enqueue(MessageStop);
        sender.EndOfEvents();
        endpoint.Confirm();

        var heartbeat = Assert.IsType<GenerationChunk>(await endpoint.NextAsync()); // the charge is taking a while
        Assert.Empty(heartbeat.Events);
        endpoint.Immediate = true;
        endpoint.Confirm();
        await sender.CompleteAsync((seq, tail) => new GenerationCompleted("req_1", seq, TokenUsage.Zero, "end_turn", tail));

        var completed = Assert.IsType<GenerationCompleted>(endpoint.Messages[^1]);
        Assert.Equal([Delta("b"), MessageStop], completed.Events);
        Assert.All(endpoint.Messages.Skip(1).SkipLast(1), m => Assert.Empty(Assert.IsType<GenerationChunk>(m).Events));
        Assert.Equal(Enumerable.Range(0, endpoint.Messages.Count), endpoint.Messages.Cast<IGenerationReply>().Select(r => r.Seq));
    }

    [Fact]
    public async Task AnswerThatEndsAtOnce_ItsFirstTokenIsNotHeldBehindTheCharge()
    {
        var endpoint = new RecordingEndpoint();
        var sender = Sender(endpoint);
        sender.Start("worker-1");
        sender.Enqueue(MessageStart);
        sender.Enqueue(Delta("Hi"));
        sender.Enqueue(MessageStop);
        sender.EndOfEvents();

        var chunk = Assert.IsType<GenerationChunk>(await endpoint.NextAsync()); // before CompleteAsync is called
        await sender.CompleteAsync((seq, tail) => new GenerationCompleted("req_1", seq, TokenUsage.Zero, "end_turn", tail));

        Assert.Equal(MessageStart, chunk.Events[0]);
        Assert.Contains(Delta("Hi"), chunk.Events);
        var completed = Assert.IsType<GenerationCompleted>(endpoint.Messages[^1]);
        Assert.Equal([MessageStart, Delta("Hi"), MessageStop], chunk.Events.Concat(completed.Events!));
        Assert.Equal(2, endpoint.Messages.Count);
    }

    [Fact]
    public async Task AbandonedGeneration_StopsItsHeartbeats()
    {
        var endpoint = new RecordingEndpoint();
        var sender = Sender(endpoint, heartbeatMs: 30);
        sender.Start("worker-1");
        sender.Enqueue(Delta("a"));
        await endpoint.NextAsync();
        sender.EndOfEvents(); // then the charge throws: no final message
        sender.Abandon();

        // The heartbeat loop itself ends (a heartbeat every 30 ms would keep it running): no sleep-then-count needed.
        await sender.Stopped.WaitAsync(TimeSpan.FromSeconds(2));
        Assert.False(sender.Finished);
        Assert.All(endpoint.Messages.Skip(1), m => Assert.Empty(Assert.IsType<GenerationChunk>(m).Events));
    }
}
