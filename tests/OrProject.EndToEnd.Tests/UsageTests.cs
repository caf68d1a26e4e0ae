using System.Net.Http.Headers;
using System.Text.Json;
using Anthropic.Models.Messages;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

/// <summary>
/// Every request is charged once, by the worker, at the exact decimal price of the model the upstream says served
/// it (claude-sonnet-4-5: $3/M input, $15/M output, cache write 1.25× and cache read 0.1× input).
/// </summary>
[Collection(nameof(GatewayCollection))]
public sealed class UsageTests(GatewayFixture fixture) : GatewayTest(fixture)
{
    // The admin event log names types in Marten's snake_case and shows each event's data as stored (PascalCase).
    private const string UsageRecordedType = "UsageRecorded";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task UsageMe_AfterOneRequest_ShowsOneRequestAtExactCost(bool stream)
    {
        Upstream.Respond = (ctx, _) => FakeAnthropic.WriteTextAsync(ctx, ["Hel", "lo"], inputTokens: 1_000, outputTokens: 200,
            cacheCreation: 300, cacheRead: 4_000);
        var key = await Fixture.IssueKeyAsync();
        var client = await ClientAsync(key);
        var request = new MessageCreateParams { MaxTokens = 100, Model = Model, Messages = [new UserMessageParam("Hello")] };

        if (stream)
        {
            await foreach (var _ in client.Messages.CreateStreaming(request))
            {
            }
        }
        else
        {
            await client.Messages.Create(request);
        }

        // (1000 × 3 + 200 × 15 + 300 × 3.75 + 4000 × 0.30) / 1,000,000
        const decimal expected = 0.008325m;
        var usage = await EventuallyAsync(() => UsageMeAsync(key), u => u.GetProperty("requests").GetInt64() > 0);
        Assert.Equal(1, usage.GetProperty("requests").GetInt64());
        Assert.Equal(expected, usage.GetProperty("spentUsd").GetDecimal());
        Assert.Equal(10m - expected, usage.GetProperty("remainingUsd").GetDecimal());
        Assert.Equal(1_000, usage.GetProperty("inputTokens").GetInt64());
        Assert.Equal(200, usage.GetProperty("outputTokens").GetInt64());

        var recorded = Assert.Single(await UsageEventsAsync(key));
        Assert.Equal(FakeAnthropic.Model, recorded.GetProperty("modelServed").GetString());
        Assert.Equal(Model, recorded.GetProperty("modelRequested").GetString());
        Assert.Equal(expected, recorded.GetProperty("costUsd").GetDecimal());
        Assert.Equal(300, recorded.GetProperty("cacheCreationTokens").GetInt64());
        Assert.Equal(4_000, recorded.GetProperty("cacheReadTokens").GetInt64());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Usage_OneHourCacheWritesAndWebSearches_ChargedAtTheirOwnPrices(bool stream)
    {
        Upstream.Respond = (ctx, _) => FakeAnthropic.WriteTextAsync(ctx, ["Found", " it"], inputTokens: 1_000, outputTokens: 200,
            cacheCreation: 300, cacheRead: 4_000, cacheCreation1h: 200, webSearches: 3);
        var key = await Fixture.IssueKeyAsync();

        using var response = await SendAsync(Post("/v1/messages", Body(stream), key.Key));
        response.EnsureSuccessStatusCode();
        await response.Content.ReadAsStringAsync();

        // (1000 × 3 + 200 × 15 + 100 × 3.75 (5 min) + 200 × 6 (1 h) + 4000 × 0.30) / 1,000,000 + 3 × $10 / 1000
        const decimal expected = 0.038775m;
        var recorded = Assert.Single(await EventuallyAsync(() => UsageEventsAsync(key), e => e.Count > 0));
        Assert.Equal(expected, recorded.GetProperty("costUsd").GetDecimal());
        Assert.Equal(300, recorded.GetProperty("cacheCreationTokens").GetInt64());
        Assert.Equal(200, recorded.GetProperty("cacheCreation1hTokens").GetInt64());
        Assert.Equal(3, recorded.GetProperty("webSearchRequests").GetInt64());
        var usage = await UsageMeAsync(key);
        Assert.Equal(expected, usage.GetProperty("spentUsd").GetDecimal());
    }

    [Fact]
    public async Task Stream_CutShortByUpstream_ChargedOnceForWhatWasObserved()
    {
        var clientSawDeltas = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Upstream.Respond = async (ctx, _) =>
        {
            await FakeAnthropic.WriteEventsAsync(ctx,
            [
                FakeAnthropic.Start(25),
                FakeAnthropic.BlockStart(0, new { type = "text", text = "" }),
                FakeAnthropic.TextDelta(0, "abcdefgh"),
                FakeAnthropic.TextDelta(0, "ijkl"),
            ]);
            await clientSawDeltas.Task.WaitAsync(TimeSpan.FromSeconds(10));
            ctx.Abort();
        };
        var key = await Fixture.IssueKeyAsync();

        using var response = await SendAsync(Post("/v1/messages", Body(stream: true), key.Key));
        var frames = Sse.Parse(await Sse.ReadAsync(response, frame =>
        {
            if (frame.DataText.Contains("ijkl", StringComparison.Ordinal))
            {
                clientSawDeltas.TrySetResult();
            }

            return Task.CompletedTask;
        }));
        Assert.Equal("error", frames[^1].Event);

        var first = await EventuallyAsync(() => UsageEventsAsync(key), e => e.Count > 0);
        var recorded = Assert.Single(first);
        Assert.Equal(response.Headers.GetValues("request-id").Single(), recorded.GetProperty("requestId").GetString());
        // 25 input tokens reported; output never below the 12 characters seen / 4.
        Assert.Equal(25, recorded.GetProperty("inputTokens").GetInt64());
        Assert.Equal(3, recorded.GetProperty("outputTokens").GetInt64());
        Assert.Equal(((25 * 3m) + (3 * 15m)) / 1_000_000m, recorded.GetProperty("costUsd").GetDecimal());
        Assert.NotEqual("completed", recorded.GetProperty("outcome").GetString());

        // No wait needed before asserting there is no second charge: every attempt has finished by now. The worker
        // charges before it reports the failure, and the edge charges what it relayed before it writes the error
        // event the client has already read. Still exactly one charge.
        Assert.Single(await UsageEventsAsync(key));
        var usage = await UsageMeAsync(key);
        Assert.Equal(1, usage.GetProperty("requests").GetInt64());
        Assert.True(usage.GetProperty("spentUsd").GetDecimal() > 0m);
    }

    private async Task<JsonElement> UsageMeAsync(IssuedKey key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/usage/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key.Key);
        using var response = await Fixture.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private async Task<List<JsonElement>> UsageEventsAsync(IssuedKey key)
    {
        var events = await Fixture.AdminGetAsync("/admin/api/events?stream=" + key.Id);
        return [.. events.EnumerateArray()
            .Where(e => e.GetProperty("type").GetString() == UsageRecordedType)
            .Select(e => e.GetProperty("data"))];
    }
}
