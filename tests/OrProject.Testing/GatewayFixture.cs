using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OrProject.Api;
using OrProject.Projections.Accounts;
using OrProject.Projections.Settings;
using OrProject.Worker;
using OrProject.Worker.Accounts;
using Xunit;

namespace OrProject.Testing;

/// <summary>
/// The whole system in one test process, with real parts: the Api and a Worker on real Kestrel, talking over real
/// RabbitMQ (queue names prefixed per fixture) and real PostgreSQL (a schema per fixture), and a fake upstream.
/// </summary>
public class GatewayFixture : IAsyncLifetime
{
    /// <summary>The hosts refuse an admin token under 32 characters.</summary>
    public const string AdminToken = "test-admin-token-0123456789abcdef";

    public string Schema { get; } = "t" + Guid.CreateVersion7().ToString("N")[^16..];

    public FakeUpstream Upstream { get; } = new();

    public WebApplication Api { get; private set; } = null!;

    public WebApplication Worker { get; private set; } = null!;

    public string BaseAddress { get; private set; } = "";

    public HttpClient Http { get; private set; } = null!;

    /// <summary>The configuration the in-process hosts run with, for a worker started as a separate process.</summary>
    public IReadOnlyDictionary<string, string?> HostSettings { get; private set; } = new Dictionary<string, string?>();

    /// <summary>Settings a derived fixture changes (queue timeout, kind of upstream, …).</summary>
    protected virtual IDictionary<string, string?> Overrides => new Dictionary<string, string?>();

    /// <summary>An edge's public address: it also listens on its internal return-channel port, which clients never see.</summary>
    public static string PublicUrl(WebApplication edge)
    {
        var internalPort = edge.Services.GetRequiredService<OrProject.Api.Return.ReturnChannelEndpoint.InternalListen>().Port;
        return edge.Urls.Single(url => new Uri(url).Port != internalPort);
    }

    /// <summary>Where the hosts find PostgreSQL and RabbitMQ; a fault fixture puts proxies in between.</summary>
    protected virtual Task<(string Postgres, Uri RabbitMq)> ServersAsync() => TestInfrastructure.GetAsync();

    /// <summary>Whether a worker runs at all (the no-worker fixture says no).</summary>
    protected virtual bool StartWorker => true;

    /// <summary>What a derived fixture changes in its in-process workers' services (an upstream adapter that throws, …).</summary>
    protected virtual void ConfigureWorker(IServiceCollection services)
    {
    }

    /// <summary>What a derived fixture changes in its edges' services (a clock it controls, …).</summary>
    protected virtual void ConfigureEdge(IServiceCollection services)
    {
    }

    public async Task InitializeAsync()
    {
        await Upstream.StartAsync();
        var (postgres, rabbit) = await ServersAsync();
        HostSettings = Settings(postgres, rabbit);
        Api = await StartEdgeAsync();
        BaseAddress = PublicUrl(Api);
        if (StartWorker)
        {
            Worker = await StartWorkerAsync("test-worker");
        }

        Http = new HttpClient { BaseAddress = new Uri(BaseAddress) };
        await WaitReadyAsync(Http, TimeSpan.FromSeconds(60));
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (Worker is not null)
        {
            await Worker.DisposeAsync();
        }

        if (Api is not null)
        {
            await Api.DisposeAsync();
        }

        await Upstream.DisposeAsync();
        var (postgres, _) = await TestInfrastructure.GetAsync();
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"drop schema if exists \"{Schema}\" cascade", connection);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Before each test: the fake upstream back to its default script, and every upstream account back in service
    /// (a test that made the upstream fail has cooled down or disabled them). Waits for the worker's account refresh
    /// only when something had to be restored.
    /// </summary>
    public async Task ResetAsync()
    {
        Upstream.Reset();
        var restored = false;
        foreach (var account in (await AdminGetAsync("/admin/api/accounts")).EnumerateArray())
        {
            if (account.GetProperty("status").GetString() != "active")
            {
                using var response = await AdminSendAsync(HttpMethod.Post, $"/admin/api/accounts/{account.GetProperty("id").GetString()}/enable");
                response.EnsureSuccessStatusCode();
                restored = true;
            }
        }

        if (restored)
        {
            await WorkerCaughtUpAsync();
        }
    }

    /// <summary>
    /// Waits until the in-process worker's pool holds every account at its version in the database (it re-reads them
    /// every <see cref="AccountRefresh"/>). Without an in-process worker there is nothing to wait for: a worker
    /// process started later reads the pool when it starts.
    /// </summary>
    public async Task WorkerCaughtUpAsync()
    {
        if (Worker is null)
        {
            return;
        }

        await using var session = Store.QuerySession();
        var stored = (await session.Query<UpstreamAccount>().ToListAsync()).Select(a => (a.Id, a.Version)).ToHashSet();
        var pool = Worker.Services.GetRequiredService<AccountPool>();
        var seen = await Eventually.ReadAsync(async () => (await pool.AllAsync(CancellationToken.None)).Select(a => (a.Id, a.Version)).ToHashSet(),
            s => s.SetEquals(stored), timeoutMs: 5_000, pollMs: 20);
        Assert.True(seen.SetEquals(stored), "the worker did not re-read the account pool");
    }

    /// <summary>
    /// Waits until the edge and the in-process worker both read settings that satisfy <paramref name="applied"/>: each
    /// re-reads them at most a second after a change (<see cref="SettingsReader"/>), so a test that changed them waits
    /// for exactly that instead of sleeping past it.
    /// </summary>
    public async Task SettingsAppliedAsync(Func<GatewaySettings, bool> applied)
    {
        foreach (var host in Worker is null ? new[] { Api } : [Api, Worker])
        {
            var reader = host.Services.GetRequiredService<SettingsReader>();
            var settings = await Eventually.ReadAsync(async () => await reader.GetAsync(CancellationToken.None), applied, timeoutMs: 5_000, pollMs: 20);
            Assert.True(applied(settings), "the new settings did not reach " + host.Environment.ApplicationName);
        }
    }

    /// <summary>How often workers re-read the account pool in tests (production: every second).</summary>
    public static readonly TimeSpan AccountRefresh = TimeSpan.FromMilliseconds(100);

    public IDocumentStore Store => Api.Services.GetRequiredService<IDocumentStore>();

    /// <summary>Issues a key through the admin API, as an operator would.</summary>
    public async Task<IssuedKey> IssueKeyAsync(decimal budgetUsd = 10m, string name = "test")
    {
        using var response = await AdminSendAsync(HttpMethod.Post, "/admin/api/keys", new { name, budgetUsd });
        response.EnsureSuccessStatusCode();
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new IssuedKey(json.GetProperty("id").GetString()!, json.GetProperty("key").GetString()!);
    }

    public async Task<JsonElement> AdminGetAsync(string path)
    {
        using var response = await AdminSendAsync(HttpMethod.Get, path);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>
    /// A request to the admin API with the admin token, <paramref name="body"/> (if any) as JSON; an
    /// <see cref="HttpContent"/> body goes as it is (raw JSON text, say, that no object serializes to).
    /// </summary>
    public async Task<HttpResponseMessage> AdminSendAsync(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path)
        {
            Content = body switch { null => null, HttpContent content => content, _ => JsonContent.Create(body) },
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        return await Http.SendAsync(request);
    }

    private Dictionary<string, string?> Settings(string postgres, Uri rabbit)
    {
        var user = Uri.UnescapeDataString(rabbit.UserInfo.Split(':')[0]);
        var password = rabbit.UserInfo.Contains(':') ? Uri.UnescapeDataString(rabbit.UserInfo.Split(':', 2)[1]) : "";
        var vhost = rabbit.AbsolutePath.Trim('/') is { Length: > 0 } v ? Uri.UnescapeDataString(v) : "/";
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Marten"] = postgres,
            ["Marten:Schema"] = Schema,
            ["RabbitMq:Host"] = rabbit.Host,
            ["RabbitMq:Port"] = rabbit.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RabbitMq:Username"] = user,
            ["RabbitMq:Password"] = password,
            ["RabbitMq:VirtualHost"] = vhost,
            ["RabbitMq:QueuePrefix"] = Schema + "-",
            ["Admin:Token"] = AdminToken,
            ["ReturnChannel:Token"] = "test-return-channel-secret-0123456789",
            ["ReturnChannel:Port"] = "0", // any free port: the edge tells workers which in each dispatch
            ["Upstream:Url"] = Upstream.BaseAddress,
            ["Upstream:Key"] = "upstream-secret",
            ["Upstream:Kind"] = "anthropic",
            ["Edge:QueueTimeoutSeconds"] = "10",
            ["Worker:Id"] = "test-worker",
            ["Pool:RefreshMilliseconds"] = AccountRefresh.TotalMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Serilog:MinimumLevel:Default"] = "Warning",
            // Every browser test signs in from 127.0.0.1; the rate-limit tests set their own small numbers.
            ["RateLimits:SignInPerMinute"] = "100000",
            ["RateLimits:KeyLookupsPerMinute"] = "100000",
            // Checkpoints every few events, so that point-in-time queries in tests start from one.
            ["Replay:CheckpointEvery"] = "4",
        };
        foreach (var (key, value) in Overrides)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Another edge instance on the same database and broker (scale-out), with its own return channel.</summary>
    public Task<WebApplication> StartEdgeAsync() =>
        StartAsync(new Dictionary<string, string?>(HostSettings), ComposeEdge, a => a.MapOrProjectEdge());

    /// <summary>An edge with some settings changed, to see how it starts (or fails to).</summary>
    public Task<WebApplication> StartEdgeAsync(IReadOnlyDictionary<string, string?> overrides) =>
        StartAsync(With(overrides), ComposeEdge, a => a.MapOrProjectEdge());

    /// <summary>A worker with some settings changed, to see how it starts (or fails to).</summary>
    public Task<WebApplication> StartWorkerAsync(IReadOnlyDictionary<string, string?> overrides) =>
        StartAsync(With(overrides), ComposeWorker, w => w.MapOrProjectWorker());

    private Dictionary<string, string?> With(IReadOnlyDictionary<string, string?> overrides)
    {
        var settings = new Dictionary<string, string?>(HostSettings);
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Another in-process worker on the same database and broker.</summary>
    public Task<WebApplication> StartWorkerAsync(string id)
    {
        var settings = new Dictionary<string, string?>(HostSettings) { ["Worker:Id"] = id };
        return StartAsync(settings, ComposeWorker, w => w.MapOrProjectWorker());
    }

    private void ComposeEdge(WebApplicationBuilder builder)
    {
        builder.AddOrProjectEdge();
        ConfigureEdge(builder.Services);
    }

    private void ComposeWorker(WebApplicationBuilder builder)
    {
        builder.AddOrProjectWorker();
        ConfigureWorker(builder.Services);
    }

    private static async Task<WebApplication> StartAsync(Dictionary<string, string?> settings,
        Action<WebApplicationBuilder> compose, Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        // As the Development environment does: a singleton holding a scoped service fails at start, not in production.
        builder.Host.UseDefaultServiceProvider(o => (o.ValidateScopes, o.ValidateOnBuild) = (true, true));
        compose(builder);
        var app = builder.Build();
        map(app);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return app;
    }

    /// <summary>Polls an edge's <c>/health/ready</c> until it answers 200, for at most <paramref name="within"/>.</summary>
    public static async Task WaitReadyAsync(HttpClient http, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            using var response = await http.GetAsync("/health/ready");
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The gateway did not become ready: " + await response.Content.ReadAsStringAsync());
            }

            await Task.Delay(100);
        }
    }
}

public sealed record IssuedKey(string Id, string Key);
