using System.Text.Json.Nodes;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;
using Microsoft.AspNetCore.Http;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

/// <summary>
/// Upstream failures reach the client with the upstream's status and, where it sent one, its body unmodified
/// (Claude Code matches on the wording); a stream that breaks after the 200 ends with an <c>error</c> event.
/// </summary>
[Collection(nameof(GatewayCollection))]
public sealed class MessagesUpstreamErrorTests(GatewayFixture fixture) : GatewayTest(fixture)
{
    private const string PromptTooLong =
        """{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 250000 tokens > 200000 maximum"},"request_id":"req_upstream_1"}""";

    private static MessageCreateParams Request() => new()
    {
        MaxTokens = 100,
        Model = Model,
        Messages = [new UserMessageParam("Hello")],
    };

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Post_Upstream400WithBody_RelaysStatusAndBodyUnmodified(bool stream)
    {
        Upstream.Respond = (ctx, _) => WriteRawAsync(ctx, 400, "application/json", PromptTooLong);
        var key = await Fixture.IssueKeyAsync();

        using var response = await SendAsync(Post("/v1/messages", Body(stream), key.Key));

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(PromptTooLong, await response.Content.ReadAsStringAsync());
        Assert.Single(Upstream.Requests);
    }

    [Fact]
    public async Task Create_Upstream400PromptTooLong_SdkSeesUpstreamWording()
    {
        Upstream.Respond = (ctx, _) => WriteRawAsync(ctx, 400, "application/json", PromptTooLong);
        var client = await ClientAsync();

        var ex = await Assert.ThrowsAsync<AnthropicBadRequestException>(() => client.Messages.Create(Request()));

        Assert.Equal("invalid_request_error", ex.Type?.Raw());
        Assert.Equal("prompt is too long: 250000 tokens > 200000 maximum", ex.ApiMessage);
    }

    [Fact]
    public async Task Post_Upstream429WithRetryAfter_Returns429RateLimitWithRetryAfter()
    {
        Upstream.Respond = (ctx, _) => FakeAnthropic.WriteErrorAsync(ctx, 429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit", retryAfterSeconds: 7);
        var key = await Fixture.IssueKeyAsync();

        using var response = await SendAsync(Post("/v1/messages", Body(stream: true), key.Key));

        Assert.Equal(429, (int)response.StatusCode);
        Assert.Equal("7", response.Headers.GetValues("retry-after").Single());
        var error = AssertErrorEnvelope(await ReadJsonAsync(response), "rate_limit_error");
        Assert.Equal("Number of request tokens has exceeded your per-minute rate limit", (string?)error["message"]);
        Assert.Single(Upstream.Requests); // one account: nothing to fail over to, and no silent retry
    }

    [Fact]
    public async Task Create_Upstream429_SdkRaisesRateLimit()
    {
        Upstream.Respond = (ctx, _) => FakeAnthropic.WriteErrorAsync(ctx, 429, "rate_limit_error", "Slow down", retryAfterSeconds: 3);
        var client = await ClientAsync();

        var ex = await Assert.ThrowsAsync<AnthropicRateLimitException>(() => client.Messages.Create(Request()));

        Assert.Equal("rate_limit_error", ex.Type?.Raw());
    }

    /// <summary>
    /// A server error before the first byte is the account's failure, not the request's: the request moves on (on the
    /// only account, it is tried once more there; a 529 cools the account); with every account failed, the client gets
    /// one 529 in Anthropic's envelope.
    /// </summary>
    [Theory]
    [InlineData(500, "application/json", """{"type":"error","error":{"type":"api_error","message":"Internal server error"}}""")]
    [InlineData(500, "text/html", "<html><body>500 Internal Server Error</body></html>")]
    [InlineData(502, "text/plain", "")]
    [InlineData(529, "application/json", """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""")]
    public async Task Post_Upstream5xxOnEveryAccount_AnswersOne529InAnthropicEnvelope(int status, string contentType, string body)
    {
        Upstream.Respond = (ctx, _) => WriteRawAsync(ctx, status, contentType, body);
        var key = await Fixture.IssueKeyAsync();
        const string errorType = "overloaded_error";

        using var response = await SendAsync(Post("/v1/messages", Body(), key.Key));

        Assert.Equal(529, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        AssertErrorEnvelope(await ReadJsonAsync(response), errorType);
    }

    [Fact]
    public async Task Stream_UpstreamDiesAfterDeltas_EndsWithErrorEventAnd200()
    {
        var clientSawDeltas = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Upstream.Respond = (ctx, _) => DieMidStreamAsync(ctx, clientSawDeltas.Task);
        var key = await Fixture.IssueKeyAsync();

        using var response = await SendAsync(Post("/v1/messages", Body(stream: true), key.Key));
        var body = await Sse.ReadAsync(response, frame =>
        {
            if (frame.DataText.Contains("\"text\":\"world\"", StringComparison.Ordinal))
            {
                clientSawDeltas.TrySetResult();
            }

            return Task.CompletedTask;
        });

        Assert.Equal(200, (int)response.StatusCode);
        var frames = Sse.Parse(body);
        Assert.Equal(["message_start", "content_block_start", "content_block_delta", "content_block_delta", "error"], frames.Select(f => f.Event));
        var error = JsonNode.Parse(frames[^1].DataText)!.AsObject();
        AssertErrorEnvelope(error, (string)error["error"]!["type"]!);
        Assert.DoesNotContain(frames, f => f.Event == "message_stop");
    }

    [Fact]
    public async Task CreateStreaming_UpstreamDiesAfterDeltas_SdkRaisesAfterReceivedText()
    {
        var clientSawDeltas = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Upstream.Respond = (ctx, _) => DieMidStreamAsync(ctx, clientSawDeltas.Task);
        var client = await ClientAsync();
        var texts = new List<string>();

        var ex = await Assert.ThrowsAsync<AnthropicSseException>(async () =>
        {
            await foreach (var item in client.Messages.CreateStreaming(Request()))
            {
                if (item.TryPickContentBlockDelta(out var delta) && delta!.Delta.TryPickText(out var text))
                {
                    texts.Add(text!.Text);
                    if (texts.Count == 2)
                    {
                        clientSawDeltas.TrySetResult();
                    }
                }
            }
        });

        Assert.Equal(["Hello, ", "world"], texts);
        Assert.NotNull(ex.Type);
    }

    [Fact]
    public async Task Create_UpstreamDiesMidStream_Returns5xxEnvelopeNotPartialMessage()
    {
        Upstream.Respond = (ctx, _) => DieMidStreamAsync(ctx, Task.Delay(200));
        var key = await Fixture.IssueKeyAsync();

        using var response = await SendAsync(Post("/v1/messages", Body(), key.Key));

        Assert.InRange((int)response.StatusCode, 500, 599);
        var body = await ReadJsonAsync(response);
        AssertErrorEnvelope(body, (string)body["error"]!["type"]!);
    }

    [Fact]
    public async Task Stream_UpstreamErrorEvent_RelayedVerbatimAsLastEvent()
    {
        const string upstreamError = """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""";
        Upstream.Respond = (ctx, _) => FakeAnthropic.WriteEventsAsync(ctx,
        [
            FakeAnthropic.Start(25),
            FakeAnthropic.BlockStart(0, new { type = "text", text = "" }),
            FakeAnthropic.TextDelta(0, "Hel"),
            ("error", upstreamError),
        ]);
        var key = await Fixture.IssueKeyAsync();

        using var response = await SendAsync(Post("/v1/messages", Body(stream: true), key.Key));
        var frames = Sse.Parse(await response.Content.ReadAsByteArrayAsync());

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("error", frames[^1].Event);
        Assert.Equal(upstreamError, frames[^1].DataText);
        Assert.DoesNotContain(frames, f => f.Event == "message_stop");
    }

    /// <summary>Writes a start, a block and two text deltas, waits for <paramref name="release"/>, then drops the connection.</summary>
    private static async Task DieMidStreamAsync(HttpContext context, Task release)
    {
        await FakeAnthropic.WriteEventsAsync(context,
        [
            FakeAnthropic.Start(25),
            FakeAnthropic.BlockStart(0, new { type = "text", text = "" }),
            FakeAnthropic.TextDelta(0, "Hello, "),
            FakeAnthropic.TextDelta(0, "world"),
        ]);
        await release.WaitAsync(TimeSpan.FromSeconds(10));
        context.Abort();
    }

    private static async Task WriteRawAsync(HttpContext context, int status, string contentType, string body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        await context.Response.WriteAsync(body, context.RequestAborted);
    }
}
