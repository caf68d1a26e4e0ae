using Anthropic;
using Anthropic.Models.Messages;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

/// <summary>A client that leaves mid-stream stops the upstream call: edge → CancelGeneration → worker → upstream.</summary>
[Collection(nameof(GatewayCollection))]
public sealed class MessagesCancellationTests(GatewayFixture fixture) : GatewayTest(fixture), IDisposable
{
    private static readonly TimeSpan AbortWithin = TimeSpan.FromSeconds(10);

    // .NET drains an unfinished response for up to 2 s to reuse the connection; a client that hangs up (a killed
    // process, a closed tab) closes the socket at once, so these clients do too.
    private readonly HttpClient _hangUpClient = new(new SocketsHttpHandler { MaxResponseDrainSize = 0 })
    {
        BaseAddress = new Uri(fixture.BaseAddress),
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();

        // 200 deltas 100 ms apart: 20 s unless someone stops it.
        Upstream.Respond = (ctx, _) => FakeAnthropic.WriteTextAsync(ctx, [.. Enumerable.Range(0, 200).Select(i => $"w{i} ")], delayMs: 100);
    }

    public void Dispose() => _hangUpClient.Dispose();

    [Fact]
    public async Task Stream_ClientCancelsHttpRequestAfterFirstDelta_AbortsUpstreamCall()
    {
        var key = await Fixture.IssueKeyAsync();
        using var cancel = new CancellationTokenSource();
        using var response = await _hangUpClient.SendAsync(Post("/v1/messages", Body(stream: true), key.Key),
            HttpCompletionOption.ResponseHeadersRead, cancel.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Sse.ReadAsync(response, async frame =>
        {
            if (frame.Event == "content_block_delta")
            {
                await cancel.CancelAsync();
            }
        }, cancel.Token));

        await Upstream.Aborted.Task.WaitAsync(AbortWithin);
    }

    [Fact]
    public async Task CreateStreaming_SdkStopsEnumeratingAfterFirstDelta_AbortsUpstreamCall()
    {
        var key = await Fixture.IssueKeyAsync();
        var client = new AnthropicClient { ApiKey = key.Key, BaseUrl = Fixture.BaseAddress, MaxRetries = 0, HttpClient = _hangUpClient };
        var deltas = 0;

        await foreach (var item in client.Messages.CreateStreaming(new MessageCreateParams
        {
            MaxTokens = 1000,
            Model = Model,
            Messages = [new UserMessageParam("Count slowly")],
        }))
        {
            if (item.TryPickContentBlockDelta(out _) && ++deltas == 1)
            {
                break; // disposing the enumerator closes the response
            }
        }

        Assert.Equal(1, deltas);
        await Upstream.Aborted.Task.WaitAsync(AbortWithin);
    }

    [Fact]
    public async Task Stream_ClientHangsUp_ChargedOnceForWhatWasStreamed()
    {
        var key = await Fixture.IssueKeyAsync();
        using var cancel = new CancellationTokenSource();
        using var response = await _hangUpClient.SendAsync(Post("/v1/messages", Body(stream: true), key.Key),
            HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        var deltas = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Sse.ReadAsync(response, async frame =>
        {
            if (frame.Event == "content_block_delta" && ++deltas == 3)
            {
                await cancel.CancelAsync();
            }
        }, cancel.Token));
        await Upstream.Aborted.Task.WaitAsync(AbortWithin);

        var events = await EventuallyAsync(() => Fixture.AdminGetAsync("/admin/api/events?stream=" + key.Id),
            e => e.EnumerateArray().Any(x => x.GetProperty("type").GetString() == "UsageRecorded"));
        var usage = Assert.Single(events.EnumerateArray(), x => x.GetProperty("type").GetString() == "UsageRecorded").GetProperty("data");
        Assert.Equal(25, usage.GetProperty("inputTokens").GetInt64());
        Assert.True(usage.GetProperty("costUsd").GetDecimal() > 0m);
        Assert.Equal("the client disconnected", usage.GetProperty("outcome").GetString());

        // The request log files it as cancelled (499), charged what the ledger charged, with the tokens seen first.
        var row = Assert.Single(await EventuallyAsync(
            async () => (await Fixture.AdminGetAsync($"/admin/api/requests?key={key.Id}")).EnumerateArray().ToList(), rows => rows.Count > 0));
        Assert.Equal(("cancelled", 499, true, usage.GetProperty("costUsd").GetDecimal()), (row.GetProperty("outcome").GetString(),
            row.GetProperty("status").GetInt32(), row.GetProperty("stream").GetBoolean(), row.GetProperty("costUsd").GetDecimal()));
        Assert.True(row.GetProperty("ttftMs").GetInt64() <= row.GetProperty("durationMs").GetInt64());
    }

    [Fact]
    public async Task Post_NonStreamingClientGivesUpWhileUpstreamStreams_AbortsUpstreamCall()
    {
        var key = await Fixture.IssueKeyAsync();
        using var cancel = new CancellationTokenSource();
        var pending = _hangUpClient.SendAsync(Post("/v1/messages", Body(), key.Key), cancel.Token);

        await EventuallyAsync(() => Task.FromResult(Upstream.Requests.Count), n => n > 0);
        Assert.Single(Upstream.Requests);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        await Upstream.Aborted.Task.WaitAsync(AbortWithin);
    }
}
