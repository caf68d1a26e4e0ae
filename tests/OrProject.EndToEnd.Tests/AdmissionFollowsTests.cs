using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OrProject.Api.Dispatch;
using OrProject.Contracts.Events;
using OrProject.Contracts.Messaging;
using OrProject.Testing;
using OrProject.Worker.Return;

namespace OrProject.EndToEnd.Tests;

/// <summary>
/// A dispatch the edge sends before its budget hold is decided (<see cref="DispatchGeneration.AdmissionFollows"/>): the
/// worker that takes it calls no upstream until the edge says the request was admitted, none at all when it was
/// refused, and a worker lost before it was told leaves the request to be given back whole. Over the real return
/// channel, between the fixture's edge and worker.
/// </summary>
[Collection(nameof(GatewayCollection))]
public sealed class AdmissionFollowsTests(GatewayFixture fixture) : IAsyncLifetime
{
    private const string Capability = "capability-of-the-request";
    private static readonly TimeSpan Ample = TimeSpan.FromSeconds(10);

    public Task InitializeAsync() => fixture.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<(ReplyRouter Router, GrpcReplyChannel Channel)> OpenAsync(string requestId, ReplyRouter? router = null)
    {
        router ??= fixture.Api.Services.GetRequiredService<ReplyRouter>();
        var address = await router.Address.WaitAsync(Ample);
        var channels = fixture.Worker.Services.GetRequiredService<ReturnChannels>();
        return (router, new GrpcReplyChannel(channels, address, requestId, Capability));
    }

    [Fact]
    public async Task Worker_WaitsUntilAdmitted_ThenDelivers()
    {
        var (router, channel) = await OpenAsync("req_admitted");
        await using var _ = channel;
        using var reader = router.Open("req_admitted", Capability, admissionFollows: true);

        var admitted = channel.AdmittedAsync(DateTimeOffset.UtcNow + Ample, TimeProvider.System, CancellationToken.None);
        await Task.Delay(300);
        Assert.False(admitted.IsCompleted); // the hold is still being decided: no upstream yet

        reader.Admit();
        Assert.True(await admitted.WaitAsync(Ample));

        await channel.SendAsync(new GenerationStarted("req_admitted", 0, "worker-test"), CancellationToken.None);
        Assert.IsType<GenerationStarted>(await reader.ReadAsync(Ample, CancellationToken.None));
    }

    [Fact]
    public async Task Worker_RefusedWhileWaiting_IsToldNotAdmitted()
    {
        var (router, channel) = await OpenAsync("req_refused");
        await using var _ = channel;
        var reader = router.Open("req_refused", Capability, admissionFollows: true);

        var admitted = channel.AdmittedAsync(DateTimeOffset.UtcNow + Ample, TimeProvider.System, CancellationToken.None);
        await Task.Delay(300);
        Assert.False(admitted.IsCompleted);

        reader.Dispose(); // what the pipeline does with a refused hold
        Assert.False(await admitted.WaitAsync(Ample));
    }

    [Fact]
    public async Task Worker_RefusedBeforeItCalled_IsToldNotAdmitted()
    {
        var (router, channel) = await OpenAsync("req_refused_early");
        await using var _ = channel;
        router.Open("req_refused_early", Capability, admissionFollows: true).Dispose();

        Assert.False(await channel.AdmittedAsync(DateTimeOffset.UtcNow + Ample, TimeProvider.System, CancellationToken.None).WaitAsync(Ample));
    }

    [Fact]
    public async Task Worker_GoneBeforeAdmission_TheEdgeHearsNoUpstreamWasCalled()
    {
        var (router, channel) = await OpenAsync("req_worker_gone");
        using var reader = router.Open("req_worker_gone", Capability, admissionFollows: true);
        var admitted = channel.AdmittedAsync(DateTimeOffset.UtcNow + Ample, TimeProvider.System, CancellationToken.None);
        await Task.Delay(300);

        await channel.DisposeAsync(); // the worker dies while the hold is decided

        var failed = Assert.IsType<GenerationFailed>(await reader.ReadAsync(Ample, CancellationToken.None));
        Assert.True(failed.BeforeAdmission);
        Assert.False(failed.WorkerLost); // nothing to charge: no upstream read the request
        Assert.Equal(529, failed.Error.Status);
        Assert.False(await admitted.WaitAsync(Ample));
    }

    [Fact]
    public async Task Request_RefusedAtItsHold_NeverReachesTheUpstreamAndLeavesNoEvent()
    {
        // The first request holds $0.60 of a $1 budget while its upstream call waits; the second ($0.45 worst case)
        // looks affordable from the spend alone, so its dispatch goes out with its hold, which refuses it.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fixture.Upstream.Respond = async (ctx, request) =>
        {
            await gate.Task;
            await FakeAnthropic.WriteEventsAsync(ctx, FakeAnthropic.TextStream(["ok"], inputTokens: 10, outputTokens: 2));
        };
        var key = await fixture.IssueKeyAsync(1m);
        var first = fixture.Http.SendAsync(Post(key, "first", maxTokens: 40_000));
        await Eventually.ReadAsync(() => Task.FromResult(fixture.Upstream.Requests.Count), n => n == 1, timeoutMs: 10_000);

        using var refused = await fixture.Http.SendAsync(Post(key, "second", maxTokens: 30_000));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("true", refused.Headers.GetValues("x-should-retry").Single()); // busy, not spent
        var refusedId = refused.Headers.GetValues("request-id").Single();

        await Task.Delay(500); // long enough for a worker to take the dispatch and hear it was not admitted
        gate.SetResult();
        using var served = await first;
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);

        var view = await Eventually.ReadAsync(() => fixture.AdminGetAsync($"/admin/api/keys/{key.Id}"),
            v => v.GetProperty("reservedUsd").GetDecimal() == 0m, timeoutMs: 10_000);
        Assert.Equal(0m, view.GetProperty("reservedUsd").GetDecimal());
        Assert.Single(fixture.Upstream.Requests);
        await using var session = fixture.Store.QuerySession();
        var events = (await session.Events.FetchStreamAsync(key.Id)).Select(e => e.Data).ToList();
        Assert.Single(events.OfType<UsageRecorded>());
        Assert.DoesNotContain(events.OfType<BudgetHoldReleased>(), e => e.RequestId == refusedId);
    }

    private static HttpRequestMessage Post(IssuedKey key, string prompt, int maxTokens)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = JsonContent.Create(new { model = "claude-sonnet-4-5", max_tokens = maxTokens, messages = new[] { new { role = "user", content = prompt } } }),
        };
        request.Headers.Add("x-api-key", key.Key);
        request.Headers.Add("anthropic-version", "2023-06-01");
        return request;
    }
}
