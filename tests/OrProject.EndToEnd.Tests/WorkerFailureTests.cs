using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OrProject.Contracts.Messaging;
using OrProject.Testing;
using OrProject.Worker.Upstreams;

namespace OrProject.EndToEnd.Tests;

/// <summary>
/// A worker whose Anthropic adapter throws (a fault of the worker's own code, not an upstream answer), so the
/// failure path of the worker can be seen from the client.
/// </summary>
public sealed class WorkerFailureFixture : GatewayFixture
{
    internal ThrowingUpstream Failing { get; } = new();

    protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>
    {
        // Long, so that a failure noticed only by the edge's timeouts could not pass for a prompt answer.
        ["Edge:QueueTimeoutSeconds"] = "30",
    };

    protected override void ConfigureWorker(IServiceCollection services)
    {
        services.Remove(services.Single(d => d.ServiceType == typeof(IUpstreamAdapter) && d.ImplementationType == typeof(AnthropicUpstream)));
        services.AddSingleton<IUpstreamAdapter>(Failing);
    }
}

/// <summary>Serves the <c>anthropic</c> accounts by throwing: before any response, or after a few events of one.</summary>
internal sealed class ThrowingUpstream : IUpstreamAdapter
{
    public string Kind => "anthropic";

    /// <summary>False: the call itself throws. True: the response streams a first token, then its stream throws.</summary>
    public bool MidStream { get; set; }

    public async Task<UpstreamResponse> SendAsync(UpstreamTarget target, DispatchGeneration request, CancellationToken cancellationToken)
    {
        await Task.Yield();
        return MidStream
            ? UpstreamResponse.Streaming(EventsThenThrowAsync(request, cancellationToken))
            : throw new InvalidOperationException("The adapter broke before calling the upstream (a test fault).");
    }

    private static async IAsyncEnumerable<SseEvent> EventsThenThrowAsync(DispatchGeneration request,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        yield return new SseEvent("message_start", new JsonObject
        {
            ["type"] = "message_start",
            ["message"] = new JsonObject
            {
                ["id"] = "msg_throwing", ["type"] = "message", ["role"] = "assistant", ["model"] = request.Model,
                ["content"] = new JsonArray(), ["stop_reason"] = null, ["stop_sequence"] = null,
                ["usage"] = new JsonObject { ["input_tokens"] = 12, ["output_tokens"] = 1 },
            },
        }.ToJsonString());
        yield return new SseEvent("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""");
        yield return new SseEvent("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}""");
        await Task.Delay(200, cancellationToken); // the first token reaches the client before the fault
        throw new InvalidOperationException("The adapter broke mid-stream (a test fault).");
    }
}

[CollectionDefinition(nameof(WorkerFailureCollection))]
public sealed class WorkerFailureCollection : ICollectionFixture<WorkerFailureFixture>;

/// <summary>
/// An exception in a worker reaches the waiting client at once, as a 500 <c>api_error</c> in its protocol's
/// envelope naming the request (not as a 529 after the queue timeout), and the request's budget hold is settled.
/// </summary>
[Collection(nameof(WorkerFailureCollection))]
public sealed class WorkerFailureTests(WorkerFailureFixture fixture) : GatewayTest(fixture)
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(2);

    public override Task InitializeAsync()
    {
        fixture.Failing.MidStream = false;
        return base.InitializeAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Messages_WorkerThrowsBeforeFirstByte_500ApiErrorNamingRequestAtOnceHoldReleased(bool stream)
    {
        var key = await Fixture.IssueKeyAsync();

        var clock = Stopwatch.StartNew();
        using var response = await SendAsync(Post("/v1/messages", Body(stream), key.Key));
        var body = await ReadJsonAsync(response);
        clock.Stop();

        Assert.True(clock.Elapsed < Prompt, $"the client waited {clock.Elapsed} for the failure");
        Assert.Equal(500, (int)response.StatusCode);
        var requestId = response.Headers.GetValues("request-id").Single();
        var error = AssertErrorEnvelope(body, "api_error");
        Assert.Contains(requestId, (string?)error["message"], StringComparison.Ordinal);
        var view = await AssertHoldReleasedAsync(key);
        Assert.Equal(0, view["requests"]!.GetValue<long>()); // released, not charged: no upstream read it
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ChatCompletions_WorkerThrowsBeforeFirstByte_500ApiErrorInOpenAiEnvelope(bool stream)
    {
        var key = await Fixture.IssueKeyAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(new JsonObject
            {
                ["model"] = Model,
                ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Hello" }),
                ["stream"] = stream,
            }.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", key.Key);

        var clock = Stopwatch.StartNew();
        using var response = await SendAsync(request);
        var body = await ReadJsonAsync(response);
        clock.Stop();

        Assert.True(clock.Elapsed < Prompt, $"the client waited {clock.Elapsed} for the failure");
        Assert.Equal(500, (int)response.StatusCode);
        var requestId = response.Headers.GetValues("x-request-id").Single();
        var error = Assert.IsType<JsonObject>(body["error"]);
        Assert.Equal("api_error", (string?)error["type"]);
        Assert.Contains(requestId, (string?)error["message"], StringComparison.Ordinal);
        var view = await AssertHoldReleasedAsync(key);
        Assert.Equal(0, view["requests"]!.GetValue<long>()); // released, not charged: no upstream read it
    }

    [Fact]
    public async Task Messages_WorkerThrowsMidStream_StreamEndsWithApiErrorEventAtOnceCharged()
    {
        fixture.Failing.MidStream = true;
        var key = await Fixture.IssueKeyAsync();

        var clock = Stopwatch.StartNew();
        using var response = await SendAsync(Post("/v1/messages", Body(stream: true), key.Key));
        Assert.Equal(200, (int)response.StatusCode);
        var frames = Sse.Parse(await response.Content.ReadAsByteArrayAsync());
        clock.Stop();

        Assert.True(clock.Elapsed < Prompt, $"the stream took {clock.Elapsed} to end");
        Assert.Contains(frames, f => f.Event == "content_block_delta");
        Assert.DoesNotContain(frames, f => f.Event == "message_stop");
        var last = frames[^1];
        Assert.Equal("error", last.Event);
        var error = AssertErrorEnvelope(JsonNode.Parse(last.DataText)!.AsObject(), "api_error");
        Assert.Contains(response.Headers.GetValues("request-id").Single(), (string?)error["message"], StringComparison.Ordinal);

        // The upstream read the request, so it is charged (once), and the hold goes with the charge.
        var view = await AssertHoldReleasedAsync(key);
        Assert.Equal(1, view["requests"]!.GetValue<long>());
    }

    private async Task<JsonObject> AssertHoldReleasedAsync(IssuedKey key)
    {
        var view = await EventuallyAsync(
            async () => JsonNode.Parse((await Fixture.AdminGetAsync($"/admin/api/keys/{key.Id}")).GetRawText())!.AsObject(),
            v => v["reservedUsd"]!.GetValue<decimal>() == 0m);
        Assert.Equal(0m, view["reservedUsd"]!.GetValue<decimal>());
        return view;
    }
}
