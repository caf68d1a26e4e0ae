using OrProject.Api.Dispatch;
using OrProject.Contracts.Messaging;

namespace OrProject.Api.Tests.Dispatch;

/// <summary>
/// The broker may deliver a request's replies out of order and, after a redelivery, twice: the edge must hand them to
/// the responder in <c>Seq</c> order, each once, and tell a silent worker from a slow one by the timeout alone.
/// </summary>
public sealed class ReplyReaderTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan Ample = TimeSpan.FromSeconds(5);

    private static GenerationChunk Chunk(int seq, string requestId = "req_1") =>
        new(requestId, seq, [new SseEvent("content_block_delta", $"{{\"n\":{seq}}}")]);

    private static async Task<List<int>> ReadSeqsAsync(ReplyReader reader, int count)
    {
        var seqs = new List<int>();
        for (var i = 0; i < count; i++)
        {
            seqs.Add((await reader.ReadAsync(Ample, CancellationToken.None))!.Seq);
        }

        return seqs;
    }

    private const string Cap = "capability-of-the-request";

    /// <summary>What the return channel does with a worker's reply: attach with the request's capability, deliver.</summary>
    private static void Deliver(ReplyRouter router, IGenerationReply reply) => router.Attach(reply.RequestId, Cap)?.Deliver(reply);

    [Fact]
    public void Attach_WrongCapabilityOrUnknownRequest_Refused()
    {
        var router = new ReplyRouter();
        using var reader = router.Open("req_1", Cap);

        Assert.NotNull(router.Attach("req_1", Cap));
        Assert.Null(router.Attach("req_1", "another request's capability"));
        Assert.Null(router.Attach("req_2", Cap));
    }

    [Fact]
    public void ReaderDisposed_TheWorkersCallIsToldNobodyWaits()
    {
        var router = new ReplyRouter();
        var reader = router.Open("req_1", Cap);
        var waiting = router.Attach("req_1", Cap)!;

        reader.Dispose();

        Assert.True(waiting.Gone.IsCancellationRequested);
        Assert.Null(router.Attach("req_1", Cap));
    }

    [Fact]
    public async Task OutOfOrderDelivery_ReadInSeqOrder()
    {
        var router = new ReplyRouter();
        using var reader = router.Open("req_1", Cap);
        foreach (var seq in new[] { 2, 0, 3, 1 })
        {
            Deliver(router, Chunk(seq));
        }

        Assert.Equal([0, 1, 2, 3], await ReadSeqsAsync(reader, 4));
    }

    [Fact]
    public async Task DuplicateOfAReplyAlreadyRead_Dropped()
    {
        var router = new ReplyRouter();
        using var reader = router.Open("req_1", Cap);
        Deliver(router, Chunk(0));
        Deliver(router, Chunk(1));
        Deliver(router, Chunk(0)); // a redelivered copy of the first chunk
        Deliver(router, Chunk(2));

        Assert.Equal([0, 1, 2], await ReadSeqsAsync(reader, 3));
        Assert.Null(await reader.ReadAsync(Short, CancellationToken.None));
    }

    [Fact]
    public async Task GapInTheSequence_WaitsForTheMissingReplyNotPastIt()
    {
        var router = new ReplyRouter();
        using var reader = router.Open("req_1", Cap);
        Deliver(router, Chunk(1));

        // Seq 1 is held back until 0 arrives: handing it over first would reorder the stream.
        Assert.Null(await reader.ReadAsync(Short, CancellationToken.None));

        Deliver(router, Chunk(0));
        Assert.Equal([0, 1], await ReadSeqsAsync(reader, 2));
    }

    [Fact]
    public async Task NothingArrives_NullAfterTheTimeout()
    {
        var router = new ReplyRouter();
        using var reader = router.Open("req_1", Cap);

        Assert.Null(await reader.ReadAsync(Short, CancellationToken.None));
    }

    [Fact]
    public async Task CallerCancels_ThrowsInsteadOfReportingATimeout()
    {
        // A timeout means "the worker is gone" (charged, 529); a cancellation means the client left: they must differ.
        var router = new ReplyRouter();
        using var reader = router.Open("req_1", Cap);
        using var client = new CancellationTokenSource();
        var read = reader.ReadAsync(Ample, client.Token).AsTask();

        await client.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
    }

    [Fact]
    public async Task RepliesOfAnotherRequest_NotRoutedHere()
    {
        var router = new ReplyRouter();
        using var mine = router.Open("req_1", Cap);
        using var other = router.Open("req_2", Cap);
        Deliver(router, Chunk(0, "req_2"));

        Assert.Null(await mine.ReadAsync(Short, CancellationToken.None));
        Assert.Equal("req_2", (await other.ReadAsync(Ample, CancellationToken.None))!.RequestId);
    }

    [Fact]
    public async Task ReaderDisposed_LaterRepliesDroppedAndANewReaderStartsClean()
    {
        var router = new ReplyRouter();
        var first = router.Open("req_1", Cap);
        first.Dispose();
        Deliver(router, Chunk(0)); // the client left: nobody waits, nothing is kept

        using var second = router.Open("req_1", Cap);
        Assert.Null(await second.ReadAsync(Short, CancellationToken.None));
    }

    [Fact]
    public async Task Address_CompletesOnceWithTheFirstAddress()
    {
        var router = new ReplyRouter();
        Assert.False(router.IsReady);

        router.SetAddress(new Uri("rabbitmq://localhost/first"));
        router.SetAddress(new Uri("rabbitmq://localhost/second"));

        Assert.True(router.IsReady);
        Assert.Equal(new Uri("rabbitmq://localhost/first"), await router.Address);
    }
}
