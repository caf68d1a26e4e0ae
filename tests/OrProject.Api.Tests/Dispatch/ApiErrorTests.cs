using Microsoft.AspNetCore.Http;
using OrProject.Api.Dispatch;

namespace OrProject.Api.Tests.Dispatch;

public sealed class ApiErrorTests
{
    [Fact]
    public void UnknownKey_NonePresented_AnthropicsWordsForAMissingHeader()
    {
        var refusal = ApiError.UnknownKey(null, bearer: false);

        Assert.Equal((401, "authentication_error", "x-api-key header is required"), (refusal.Status, refusal.Type, refusal.Message));
        Assert.Contains("Authorization: Bearer", refusal.OpenAiMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false, "invalid x-api-key")]
    [InlineData(true, "invalid bearer token (Authorization header)")]
    public void UnknownKey_Presented_NamesTheCredentialTheClientSent(bool bearer, string message)
    {
        Assert.Equal(message, ApiError.UnknownKey("sk-whatever-123456", bearer).Message);
    }

    [Fact]
    public void UnknownKey_LongKey_OpenAiMessageShowsOnlyItsEnds()
    {
        const string key = "sk-orp-0123456789abcdef"; // 23 characters: the first ten and the last four
        var message = ApiError.UnknownKey(key, bearer: true).OpenAiMessage!;

        Assert.Contains("sk-orp-012****cdef", message, StringComparison.Ordinal);
        Assert.DoesNotContain(key, message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownKey_ShortKey_OpenAiMessageShowsNoneOfIt()
    {
        Assert.Contains("Incorrect API key provided: ******.", ApiError.UnknownKey("abc123", bearer: true).OpenAiMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Budget_NoRetryCanHelp_InsufficientQuotaForOpenAi()
    {
        var refusal = ApiError.Budget("spent");

        Assert.Equal((429, "rate_limit_error"), (refusal.Status, refusal.Type));
        Assert.Equal(("insufficient_quota", "insufficient_quota"), (refusal.OpenAiType, refusal.OpenAiCode));
        Assert.False(refusal.ShouldRetry);
        Assert.Null(refusal.RetryAfterSeconds);
    }

    [Fact]
    public void BudgetBusy_RetryAfterASecond_KeepsTheRateLimitTypeForOpenAi()
    {
        var refusal = ApiError.BudgetBusy("held by requests in flight");

        Assert.Equal(429, refusal.Status);
        Assert.Null(refusal.OpenAiType); // a plain rate limit, not a quota the client must top up
        Assert.Equal("rate_limit_exceeded", refusal.OpenAiCode);
        Assert.True(refusal.ShouldRetry);
        Assert.Equal(1, refusal.RetryAfterSeconds);
    }

    [Fact]
    public void UnpricedModel_NotFoundForAnthropic_ModelNotFoundForOpenAi()
    {
        var refusal = ApiError.UnpricedModel("gpt-9");

        Assert.Equal((404, "not_found_error", "model: gpt-9"), (refusal.Status, refusal.Type, refusal.Message));
        Assert.Equal(("invalid_request_error", "model_not_found"), (refusal.OpenAiType, refusal.OpenAiCode));
        Assert.Contains("`gpt-9`", refusal.OpenAiMessage, StringComparison.Ordinal);
        Assert.False(refusal.ShouldRetry);
    }

    [Fact]
    public void MaxTokensTooLarge_NamesTheLimitAndTheModel()
    {
        var refusal = ApiError.MaxTokensTooLarge("100000", 64_000, "claude-sonnet-4-5");

        Assert.Equal(400, refusal.Status);
        Assert.Equal("max_tokens: 100000 > 64000, which is the maximum allowed number of output tokens for claude-sonnet-4-5", refusal.Message);
        Assert.False(refusal.ShouldRetry);
    }

    [Fact]
    public void WriteHeaders_RetryableWithDelay_BothHeaders()
    {
        var context = new DefaultHttpContext();

        ApiError.BudgetBusy("busy").WriteHeaders(context.Response);

        Assert.Equal("true", context.Response.Headers["x-should-retry"].ToString());
        Assert.Equal("1", context.Response.Headers.RetryAfter.ToString());
    }

    [Fact]
    public void WriteHeaders_RetryUnset_LeavesTheSdkToItsStatusRules()
    {
        var context = new DefaultHttpContext();

        ApiError.DisabledKey.WriteHeaders(context.Response);

        Assert.False(context.Response.Headers.ContainsKey("x-should-retry"));
        Assert.False(context.Response.Headers.ContainsKey("retry-after"));
    }

    [Fact]
    public void WriteHeaders_NoRetry_SaysFalseWithoutRetryAfter()
    {
        var context = new DefaultHttpContext();

        ApiError.Budget("spent").WriteHeaders(context.Response);

        Assert.Equal("false", context.Response.Headers["x-should-retry"].ToString());
        Assert.False(context.Response.Headers.ContainsKey("retry-after"));
    }
}
