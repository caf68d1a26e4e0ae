using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Anthropic;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

/// <summary>
/// Base of the end-to-end tests: the fake upstream is reset before each test (no teardown), and each test gets a
/// fresh key, either behind the official SDK or for raw HTTP where the wire itself is under test.
/// </summary>
public abstract class GatewayTest(GatewayFixture fixture) : IAsyncLifetime
{
    public const string Model = "claude-sonnet-4-5";

    protected GatewayFixture Fixture { get; } = fixture;

    protected FakeUpstream Upstream => Fixture.Upstream;

    public virtual Task InitializeAsync()
    {
        return Fixture.ResetAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    protected async Task<AnthropicClient> ClientAsync(IssuedKey? key = null)
    {
        key ??= await Fixture.IssueKeyAsync();
        return new AnthropicClient { ApiKey = key.Key, BaseUrl = Fixture.BaseAddress, MaxRetries = 0 };
    }

    /// <summary>A plain Messages request body; <paramref name="stream"/> adds <c>"stream": true</c>.</summary>
    protected static string Body(bool stream = false, string text = "Hello") => new JsonObject
    {
        ["model"] = Model,
        ["max_tokens"] = 100,
        ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = text }),
        ["stream"] = stream,
    }.ToJsonString();

    protected static HttpRequestMessage Post(string path, string body, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("x-api-key", key);
        }

        request.Headers.TryAddWithoutValidation("anthropic-version", "2023-06-01");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    /// <summary>Sends and returns as soon as headers arrive, so a stream can be read as it flows.</summary>
    protected Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken = default) =>
        Fixture.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);

    protected static async Task<JsonObject> ReadJsonAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    /// <summary>Asserts Anthropic's error envelope: <c>{"type":"error","error":{"type":T,"message":…}}</c>.</summary>
    protected static JsonObject AssertErrorEnvelope(JsonObject body, string errorType)
    {
        Assert.Equal("error", (string?)body["type"]);
        var error = Assert.IsType<JsonObject>(body["error"]);
        Assert.Equal(errorType, (string?)error["type"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)error["message"]));
        return error;
    }

    /// <summary>Polls until <paramref name="condition"/> holds; bounded, so a broken system fails instead of hanging.</summary>
    protected static Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> condition, int timeoutMs = 10_000) =>
        Eventually.ReadAsync(read, condition, timeoutMs);
}
