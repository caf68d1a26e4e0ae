using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

[Collection(nameof(GatewayCollection))]
public sealed class ObservabilityTests(GatewayFixture fixture) : IAsyncLifetime
{
    public Task InitializeAsync() => fixture.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Trace_ClientTraceContext_ContinuesThroughQueueAndWorker_ButNeverReachesTheUpstream()
    {
        var key = await fixture.IssueKeyAsync();
        using var request = Post(key);

        // The client's own span: HttpClient sends it as traceparent (a header set by hand would be replaced), with
        // its trace state and baggage.
        using var client = new Activity("client").SetIdFormat(ActivityIdFormat.W3C);
        client.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        client.TraceStateString = "vendor=client-secret";
        client.AddBaggage("user", "alice@example.com");
        var traceId = client.Start().TraceId;

        // The hosts run in this process: the upstream call's own span shows the trace went on past the worker.
        var upstreamCalls = new System.Collections.Concurrent.ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "System.Net.Http",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
            ActivityStopped = a =>
            {
                if (a.TraceId == traceId && a.GetTagItem("server.port") is int port && port == new Uri(fixture.Upstream.BaseAddress).Port)
                {
                    upstreamCalls.Enqueue(a);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        using var response = await fixture.Http.SendAsync(request);
        client.Stop();
        response.EnsureSuccessStatusCode();

        var upstream = fixture.Upstream.Requests.Single();
        Assert.False(upstream.Headers.ContainsKey("traceparent"), "the client's trace id reached the upstream");
        Assert.False(upstream.Headers.ContainsKey("tracestate"), "the client's trace state reached the upstream");
        Assert.False(upstream.Headers.ContainsKey("baggage"), "the client's baggage reached the upstream");
        Assert.False(upstream.Headers.ContainsKey("correlation-context"), "the client's baggage reached the upstream");
        Assert.NotEmpty(upstreamCalls); // one trace: edge → RabbitMQ → worker → the upstream call's span
    }

    [Fact]
    public async Task Metrics_AfterARequest_ExposeGatewayInstrumentsInPrometheusFormat()
    {
        var key = await fixture.IssueKeyAsync();
        using (var request = Post(key))
        {
            (await fixture.Http.SendAsync(request)).EnsureSuccessStatusCode();
        }

        using var workerHttp = new HttpClient { BaseAddress = new Uri(fixture.Worker.Urls.Single()) };
        var edge = await ScrapeAsync(fixture.Http);
        var worker = await ScrapeAsync(workerHttp);

        Assert.Contains("orp_requests_total{", edge, StringComparison.Ordinal);
        Assert.Contains("route=\"/v1/messages\"", edge, StringComparison.Ordinal);
        Assert.Contains("orp_time_to_first_token_milliseconds_bucket", edge, StringComparison.Ordinal);
        Assert.Contains("orp_queue_wait_milliseconds_bucket", worker, StringComparison.Ordinal);
        Assert.Contains("orp_ledger_write_milliseconds_bucket{otel_scope_name=\"OrProject\",kind=\"hold\"", edge, StringComparison.Ordinal);
        // A completed generation's charge is written by the edge, with the holds (the worker writes it only when the edge
        // could not: ChargeFallbackTests).
        Assert.Contains("orp_ledger_write_milliseconds_bucket{otel_scope_name=\"OrProject\",kind=\"charge\"", edge, StringComparison.Ordinal);
        // The ledger writer's batches: at least one, of at least one command.
        Assert.True(Count(edge, "orp_ledger_batch_commands_count") >= 1);
        Assert.True(Count(edge, "orp_ledger_batch_keys_sum") >= 1);
        Assert.Contains("orp_tokens_total{", edge, StringComparison.Ordinal);
        Assert.Contains("orp_cost_USD_total", edge, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Metrics_OnEdgeAndWorker_NeedTheAdminToken()
    {
        using var workerHttp = new HttpClient { BaseAddress = new Uri(fixture.Worker.Urls.Single()) };
        foreach (var http in new[] { fixture.Http, workerHttp })
        {
            using (var anonymous = await http.GetAsync("/metrics"))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            }

            using (var wrong = await GetMetricsAsync(http, "not-the-admin-token-not-the-admin-token"))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            }

            using var authorized = await GetMetricsAsync(http, GatewayFixture.AdminToken);
            Assert.Equal(HttpStatusCode.OK, authorized.StatusCode);
        }
    }

    private static async Task<HttpResponseMessage> GetMetricsAsync(HttpClient http, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }

    private static async Task<string> ScrapeAsync(HttpClient http)
    {
        using var response = await GetMetricsAsync(http, GatewayFixture.AdminToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The value of the first sample line of <paramref name="metric"/> (a metric name with no labels after it), or 0.</summary>
    private static double Count(string scraped, string metric) =>
        scraped.Split('\n').Where(l => l.StartsWith(metric, StringComparison.Ordinal) && l.Length > metric.Length && l[metric.Length] is '{' or ' ')
            .Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture))
            .FirstOrDefault();

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
