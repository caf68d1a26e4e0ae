using Microsoft.AspNetCore.Http;
using OrProject.Api.Dispatch;
using OrProject.Projections.Keys;

namespace OrProject.Api.Tests.Dispatch;

/// <summary>The refusals of a key's limits: their words, and the rate-limit headers in each vendor's names and formats.</summary>
public sealed class KeyLimitRefusalsTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private static readonly RateLimitState State = new(At, Rpm: 60, RequestsRemaining: 0, RequestsResetAt: At.AddSeconds(59.2),
        Tpm: 10_000, TokensRemaining: 9_000, TokensResetAt: At.AddMinutes(6));

    [Theory]
    [InlineData(0.02, "20ms")]
    [InlineData(1, "1s")]
    [InlineData(1.2, "2s")]
    [InlineData(360, "6m0s")]
    [InlineData(3725, "1h2m5s")]
    [InlineData(0, "0s")]
    public void Duration_WrittenAsOpenAiWritesIt(double seconds, string expected)
    {
        Assert.Equal(expected, RateLimitHeaders.Duration(TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void RateLimited_Requests_RetryableWithRetryAfterAndAMessageSayingWhen()
    {
        var refusal = KeyLimitRefusals.RateLimited(new LimitRefusal(LimitKind.Requests, 60, TimeSpan.FromSeconds(11.3), State));

        Assert.Equal((429, "rate_limit_error", true, 12), (refusal.Status, refusal.Type, refusal.ShouldRetry, refusal.RetryAfterSeconds));
        Assert.Equal("This key allows 60 requests a minute; retry in 12 s.", refusal.Message);
        Assert.Equal("rate_limit_exceeded", refusal.OpenAiCode);
    }

    [Fact]
    public void WriteHeaders_AnthropicRoute_AnthropicNamesAndRfc3339Resets()
    {
        var context = new DefaultHttpContext();
        KeyLimitRefusals.RateLimited(new LimitRefusal(LimitKind.Requests, 60, TimeSpan.FromSeconds(1), State)).WriteHeaders(context.Response);

        var h = context.Response.Headers;
        Assert.Equal(("60", "0", "2026-11-27T12:01:00Z"), (h["anthropic-ratelimit-requests-limit"].ToString(),
            h["anthropic-ratelimit-requests-remaining"].ToString(), h["anthropic-ratelimit-requests-reset"].ToString()));
        Assert.Equal(("10000", "9000", "2026-11-27T12:06:00Z"), (h["anthropic-ratelimit-tokens-limit"].ToString(),
            h["anthropic-ratelimit-tokens-remaining"].ToString(), h["anthropic-ratelimit-tokens-reset"].ToString()));
        Assert.Equal(("true", "1"), (h["x-should-retry"].ToString(), h.RetryAfter.ToString()));
        Assert.False(h.ContainsKey("x-ratelimit-limit-requests"));
    }

    [Fact]
    public void WriteHeaders_OpenAiRoute_OpenAiNamesAndDurations()
    {
        var context = new DefaultHttpContext();
        KeyLimitRefusals.RateLimited(new LimitRefusal(LimitKind.Tokens, 10_000, TimeSpan.FromSeconds(3), State)).WriteHeaders(context.Response, openAi: true);

        var h = context.Response.Headers;
        Assert.Equal(("60", "0", "1m0s"), (h["x-ratelimit-limit-requests"].ToString(), h["x-ratelimit-remaining-requests"].ToString(),
            h["x-ratelimit-reset-requests"].ToString()));
        Assert.Equal(("10000", "9000", "6m0s"), (h["x-ratelimit-limit-tokens"].ToString(), h["x-ratelimit-remaining-tokens"].ToString(),
            h["x-ratelimit-reset-tokens"].ToString()));
        Assert.False(h.ContainsKey("anthropic-ratelimit-requests-limit"));
    }

    [Fact]
    public void ModelNotAllowed_ForbiddenNamingTheModelTheAliasAndWhatIsAllowed()
    {
        var refusal = KeyLimitRefusals.ModelNotAllowed("opus", "claude-opus-4-1", ["claude-sonnet-4-5"]);

        Assert.Equal((403, "permission_error", false), (refusal.Status, refusal.Type, refusal.ShouldRetry));
        Assert.Equal("This API key may not use the model claude-opus-4-1 (asked as opus). It may use: claude-sonnet-4-5. " +
            "Ask the gateway's operator to allow another model.", refusal.Message);
    }
}
