using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

/// <summary>The gateway reaches PostgreSQL and RabbitMQ through proxies the tests can cut.</summary>
public sealed class FaultFixture : GatewayFixture
{
    public TcpProxy Postgres { get; private set; } = null!;

    public TcpProxy RabbitMq { get; private set; } = null!;

    protected override async Task<(string Postgres, Uri RabbitMq)> ServersAsync()
    {
        var (postgres, rabbit) = await TestInfrastructure.GetAsync();
        var pg = new NpgsqlConnectionStringBuilder(postgres);
        Postgres = new TcpProxy(pg.Host!, pg.Port);
        Postgres.Start();
        RabbitMq = new TcpProxy(rabbit.Host, rabbit.Port);
        RabbitMq.Start();
        pg.Host = "127.0.0.1";
        pg.Port = Postgres.Port;
        pg.Timeout = 3;
        return (pg.ConnectionString, new UriBuilder(rabbit) { Host = "127.0.0.1", Port = RabbitMq.Port }.Uri);
    }

    protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>
    {
        ["Edge:QueueTimeoutSeconds"] = "3",
        ["RabbitMq:HeartbeatSeconds"] = "2",
    };
}

[CollectionDefinition(nameof(FaultCollection))]
public sealed class FaultCollection : ICollectionFixture<FaultFixture>;

[Collection(nameof(FaultCollection))]
public sealed class InfrastructureFaultTests(FaultFixture fixture) : IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        fixture.Postgres.BringUp();
        fixture.RabbitMq.BringUp();
        await WaitUntilServedAsync(await fixture.IssueKeyAsync());
        await fixture.ResetAsync();
    }

    public Task DisposeAsync()
    {
        fixture.Postgres.BringUp();
        fixture.RabbitMq.BringUp();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task PostgresDown_RequestsFailClosedInEnvelopeAndRecoverWhenItReturns()
    {
        var key = await fixture.IssueKeyAsync();
        fixture.Postgres.TakeDown();

        using (var refused = await PostAsync("/v1/messages", key))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            var body = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("error", body.GetProperty("type").GetString());
            Assert.True(refused.Headers.Contains("request-id"));
        }

        using (var refused = await PostAsync("/v1/chat/completions", key))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("service_unavailable", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("type").GetString());
        }

        Assert.Empty(fixture.Upstream.Requests); // failed closed: nothing was served without a ledger

        fixture.Postgres.BringUp();
        await WaitUntilServedAsync(key);
        var me = await UsageMeAsync(key);
        Assert.Equal(1, me.GetProperty("requests").GetInt64());
        Assert.True(me.GetProperty("spentUsd").GetDecimal() > 0m);
    }

    [Fact]
    public async Task RabbitMqRestarted_EdgeAndWorkerReconnectAndLaterRequestsSucceed()
    {
        var key = await fixture.IssueKeyAsync();
        fixture.RabbitMq.TakeDown();
        // The worker's dispatch queue is the bus's receiving side now (replies come back over the return channel, not
        // the broker): its health is the sign that the broker is seen gone.
        var workerBus = fixture.Worker.Services.GetRequiredService<IBusControl>();
        var health = await Eventually.ReadAsync(() => Task.FromResult(workerBus.CheckHealth().Status), s => s != BusHealthStatus.Healthy);
        Assert.NotEqual(BusHealthStatus.Healthy, health);

        using (var refused = await PostAsync("/v1/messages", key))
        {
            Assert.Equal(529, (int)refused.StatusCode);
            Assert.Equal("overloaded_error", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("type").GetString());
        }

        fixture.RabbitMq.BringUp();
        await WaitUntilServedAsync(key);
    }

    private async Task WaitUntilServedAsync(IssuedKey key)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await PostAsync("/v1/messages", key);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return;
            }

            Assert.True((int)response.StatusCode is 503 or 529, $"while recovering: {(int)response.StatusCode}");
            Assert.True(DateTime.UtcNow < deadline, "the gateway did not recover within a minute");
            await Task.Delay(500);
        }
    }

    private async Task<HttpResponseMessage> PostAsync(string route, IssuedKey key)
    {
        object body = route == "/v1/messages"
            ? new { model = "claude-sonnet-4-5", max_tokens = 20, messages = new[] { new { role = "user", content = "hi" } } }
            : new { model = "claude-sonnet-4-5", messages = new[] { new { role = "user", content = "hi" } } };
        using var request = new HttpRequestMessage(HttpMethod.Post, route) { Content = JsonContent.Create(body) };
        request.Headers.Authorization = new("Bearer", key.Key);
        return await fixture.Http.SendAsync(request);
    }

    private async Task<JsonElement> UsageMeAsync(IssuedKey key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/usage/me");
        request.Headers.Add("x-api-key", key.Key);
        using var response = await fixture.Http.SendAsync(request);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
