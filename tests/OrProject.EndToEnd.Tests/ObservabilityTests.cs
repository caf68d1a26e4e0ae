using System.Diagnostics;
using System.Net.Http.Json;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

[Collection(nameof(GatewayCollection))]
public sealed class ObservabilityTests(GatewayFixture fixture) : IAsyncLifetime
{
    public Task InitializeAsync() => fixture.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Trace_ClientTraceparent_ContinuesThroughQueueAndWorkerToTheUpstream()
    {
        var key = await fixture.IssueKeyAsync();
        using var request = Post(key);

        // The client's own span: HttpClient sends it as traceparent (a header set by hand would be replaced).
        using var client = new Activity("client").SetIdFormat(ActivityIdFormat.W3C);
        client.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        client.Start();
        var traceId = client.TraceId.ToHexString();
        using var response = await fixture.Http.SendAsync(request);
        client.Stop();
        response.EnsureSuccessStatusCode();

        var upstream = fixture.Upstream.Requests.Single();
        Assert.True(upstream.Headers.TryGetValue("traceparent", out var parent), "the upstream call carried no trace context");
        Assert.Equal(traceId, parent.Split('-')[1]); // one trace: edge → RabbitMQ → worker → upstream
    }

    [Fact]
    public async Task Metrics_AfterARequest_ExposeGatewayInstrumentsInPrometheusFormat()
    {
        var key = await fixture.IssueKeyAsync();
        using (var request = Post(key))
        {
            (await fixture.Http.SendAsync(request)).EnsureSuccessStatusCode();
        }

        var edge = await fixture.Http.GetStringAsync("/metrics");
        using var workerHttp = new HttpClient { BaseAddress = new Uri(fixture.Worker.Urls.Single()) };
        var worker = await workerHttp.GetStringAsync("/metrics");

        Assert.Contains("orp_requests_total{", edge, StringComparison.Ordinal);
        Assert.Contains("route=\"/v1/messages\"", edge, StringComparison.Ordinal);
        Assert.Contains("orp_time_to_first_token_milliseconds_bucket", edge, StringComparison.Ordinal);
        Assert.Contains("orp_queue_wait_milliseconds_bucket", worker, StringComparison.Ordinal);
        Assert.Contains("orp_tokens_total{", worker, StringComparison.Ordinal);
        Assert.Contains("orp_cost_USD_total", worker, StringComparison.OrdinalIgnoreCase);
    }

    private static HttpRequestMessage Post(IssuedKey key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = JsonContent.Create(new { model = "claude-sonnet-4-5", max_tokens = 20, messages = new[] { new { role = "user", content = "hi" } } }),
        };
        request.Headers.Add("x-api-key", key.Key);
        return request;
    }
}
