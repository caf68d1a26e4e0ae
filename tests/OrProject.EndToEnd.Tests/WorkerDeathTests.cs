using System.Diagnostics;
using System.Text.Json.Nodes;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

/// <summary>No in-process worker: the tests start real worker processes and kill them.</summary>
public sealed class WorkerDeathFixture : GatewayFixture
{
    protected override bool StartWorker => false;

    protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>
    {
        ["Edge:IdleTimeoutSeconds"] = "3",
        ["Edge:QueueTimeoutSeconds"] = "30",
        ["Worker:HeartbeatSeconds"] = "0.5",
    };
}

[CollectionDefinition(nameof(WorkerDeathCollection))]
public sealed class WorkerDeathCollection : ICollectionFixture<WorkerDeathFixture>;

[Collection(nameof(WorkerDeathCollection))]
public sealed class WorkerDeathTests(WorkerDeathFixture fixture) : IAsyncLifetime
{
    public Task InitializeAsync() => fixture.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Stream_WorkerKilledMidStream_EndsWithErrorEventChargedOnceAndNotReplayed()
    {
        fixture.Upstream.Respond = (ctx, _) => FakeAnthropic.WriteTextAsync(ctx, [.. Enumerable.Range(0, 200).Select(i => $"t{i} ")],
            inputTokens: 40, outputTokens: 200, delayMs: 50);
        var key = await fixture.IssueKeyAsync();
        await using var doomed = await HostProcess.StartWorkerAsync(fixture.HostSettings, "doomed");

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = new StringContent("""{"model":"claude-sonnet-4-5","max_tokens":500,"stream":true,"messages":[{"role":"user","content":"go"}]}""",
                System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", key.Key);
        using var response = await fixture.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(200, (int)response.StatusCode);

        var frames = new List<(string Event, string Data)>();
        var killedAt = Stopwatch.StartNew();
        await foreach (var frame in ReadFramesAsync(response))
        {
            frames.Add(frame);
            if (frames.Count(f => f.Event == "content_block_delta") == 3)
            {
                doomed.Kill();
                killedAt.Restart();
            }
        }

        // The return channel breaks with the worker: the stream ends at once with a well-formed error event, last.
        Assert.True(killedAt.Elapsed < TimeSpan.FromSeconds(2), $"the stream took {killedAt.Elapsed} to end");
        var last = frames[^1];
        Assert.Equal("error", last.Event);
        Assert.Equal("error", (string?)JsonNode.Parse(last.Data)!["type"]);
        Assert.Equal("api_error", (string?)JsonNode.Parse(last.Data)!["error"]!["type"]);
        Assert.DoesNotContain(frames, f => f.Event == "message_stop");

        // A new worker gets the redelivered dispatch and must not run it again into the broken stream.
        // The positive signal that it was handled: the successor logs the redelivery as it fails it instead of running it.
        await using var successor = await HostProcess.StartWorkerAsync(fixture.HostSettings, "successor");
        var redelivered = await Eventually.ReadAsync(() => Task.FromResult(successor.HasWritten("was redelivered after a worker stopped")),
            seen => seen, timeoutMs: 15_000);
        Assert.True(redelivered, "the successor never received the redelivered dispatch");
        Assert.Single(fixture.Upstream.Requests);

        // What the client received is charged, once.
        var usage = (await fixture.AdminGetAsync($"/admin/api/events?stream={key.Id}")).EnumerateArray()
            .Where(e => e.GetProperty("type").GetString() == "UsageRecorded").ToList();
        var recorded = Assert.Single(usage).GetProperty("data");
        Assert.Equal(40, recorded.GetProperty("inputTokens").GetInt64());
        Assert.True(recorded.GetProperty("outputTokens").GetInt64() >= 1);
        Assert.True(recorded.GetProperty("costUsd").GetDecimal() > 0m);
        Assert.Contains("worker", recorded.GetProperty("outcome").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_EdgeKilledMidStream_WorkerCancelsTheUpstreamCallAtOnce()
    {
        fixture.Upstream.Respond = (ctx, _) => FakeAnthropic.WriteTextAsync(ctx, [.. Enumerable.Range(0, 200).Select(i => $"t{i} ")],
            inputTokens: 40, outputTokens: 200, delayMs: 50);
        var key = await fixture.IssueKeyAsync();
        await using var worker = await fixture.StartWorkerAsync("survivor");
        await using var edge = await HostProcess.StartEdgeAsync(fixture.HostSettings);
        using var http = new HttpClient { BaseAddress = new Uri(edge.BaseAddress!) };
        await Eventually.ReadAsync(async () => (await http.GetAsync("/health/ready")).StatusCode, s => s == System.Net.HttpStatusCode.OK, timeoutMs: 30_000);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = new StringContent("""{"model":"claude-sonnet-4-5","max_tokens":500,"stream":true,"messages":[{"role":"user","content":"go"}]}""",
                System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", key.Key);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var deltas = 0;
        var killedAt = Stopwatch.StartNew();
        try
        {
            await foreach (var frame in ReadFramesAsync(response))
            {
                if (frame.Event == "content_block_delta" && ++deltas == 3)
                {
                    edge.Kill();
                    killedAt.Restart();
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            // the edge died under the client: its connection breaks
        }

        // The worker's return-channel call broke with the edge: nobody reads the generation, so the upstream call stops.
        await fixture.Upstream.Aborted.Task.WaitAsync(TimeSpan.FromSeconds(2));
        Assert.True(killedAt.Elapsed < TimeSpan.FromSeconds(2), $"the upstream call was cancelled {killedAt.Elapsed} after the edge died");
        // Frames the edge wrote before it died may still be in the sockets' buffers (on a loaded machine the kill lands
        // a frame or two after the third); nothing comes after them.
        Assert.InRange(deltas, 3, 10);
    }

    [Fact]
    public async Task Cap_WorkerKilledUnderConcurrentStreams_EachServedRequestChargedOnceNoHoldLeftNoOverspend()
    {
        fixture.Upstream.Respond = (ctx, _) => FakeAnthropic.WriteTextAsync(ctx, [.. Enumerable.Range(0, 100).Select(i => $"t{i} ")],
            inputTokens: 40, outputTokens: 100, delayMs: 40);
        const decimal budget = 0.1m; // about seven of these requests' worst cases at once
        var key = await fixture.IssueKeyAsync(budget);
        await using var doomed = await HostProcess.StartWorkerAsync(fixture.HostSettings, "doomed-many");
        var firstTokens = 0;

        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(async n =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
            {
                Content = new StringContent($$"""{"model":"claude-sonnet-4-5","max_tokens":500,"stream":true,"messages":[{"role":"user","content":"go {{n}}"}]}""",
                    System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("x-api-key", key.Key);
            using var response = await fixture.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            if (response.StatusCode != System.Net.HttpStatusCode.OK)
            {
                return (Served: false, Ended: "refused");
            }

            var last = "";
            await foreach (var frame in ReadFramesAsync(response))
            {
                if (frame.Event == "content_block_delta" && Interlocked.Increment(ref firstTokens) == 20)
                {
                    doomed.Kill(); // mid-stream for every request it holds
                }

                last = frame.Event;
            }

            return (Served: true, Ended: last);
        }));

        var served = results.Count(r => r.Served);
        Assert.True(served >= 2, $"only {served} requests were admitted");
        Assert.All(results.Where(r => r.Served), r => Assert.Equal("error", r.Ended));

        // Every admitted request is charged exactly once, from what was observed, and no hold outlives its request.
        await using var successor = await HostProcess.StartWorkerAsync(fixture.HostSettings, "successor-many");
        var view = await Eventually.ReadAsync(() => fixture.AdminGetAsync($"/admin/api/keys/{key.Id}"),
            v => v.GetProperty("requests").GetInt64() >= served && v.GetProperty("reservedUsd").GetDecimal() == 0m, timeoutMs: 20_000);
        Assert.Equal(0m, view.GetProperty("reservedUsd").GetDecimal());
        Assert.Equal(served, view.GetProperty("requests").GetInt64());
        Assert.True(view.GetProperty("spentUsd").GetDecimal() <= budget);
        var usage = (await fixture.AdminGetAsync($"/admin/api/events?stream={key.Id}&limit=1000")).EnumerateArray()
            .Where(e => e.GetProperty("type").GetString() == "UsageRecorded").Select(e => e.GetProperty("data")).ToList();
        Assert.Equal(served, usage.Select(u => u.GetProperty("requestId").GetString()).Distinct().Count());
        Assert.All(usage, u => Assert.Equal(40, u.GetProperty("inputTokens").GetInt64()));
    }

    private static async IAsyncEnumerable<(string Event, string Data)> ReadFramesAsync(HttpResponseMessage response)
    {
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        string? name = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                yield return (name ?? "", line[6..]);
            }
        }
    }
}
