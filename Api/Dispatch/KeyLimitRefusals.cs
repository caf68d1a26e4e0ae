using System.Globalization;
using OrProject.Projections.Keys;
using OrProject.Protocols.Anthropic;

namespace OrProject.Api.Dispatch;

/// <summary>
/// The refusals of a key's own controls, each saying what happened and what to do: a rate or concurrency limit is a
/// 429 a retry can help (<c>retry-after</c>, <c>x-should-retry: true</c>, the vendor's rate-limit headers); a model the
/// key may not use is a 403; an expired key is a 401.
/// </summary>
internal static class KeyLimitRefusals
{
    public static ApiError RateLimited(LimitRefusal refusal)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(refusal.RetryAfter.TotalSeconds));
        var message = refusal.Kind switch
        {
            LimitKind.Concurrency =>
                $"This key allows {refusal.Limit} requests at once and has {refusal.Limit} in flight; retry when one finishes.",
            LimitKind.Requests => $"This key allows {refusal.Limit} requests a minute; retry in {seconds} s.",
            _ => $"This key allows {refusal.Limit} tokens a minute (input and output, counted as requests finish) and has used them; retry in {seconds} s.",
        };
        return new ApiError(429, AnthropicErrors.RateLimit, message)
        {
            OpenAiCode = "rate_limit_exceeded",
            ShouldRetry = true,
            RetryAfterSeconds = seconds,
            RateLimits = refusal.State,
        };
    }

    public static ApiError ModelNotAllowed(string requested, string model, IReadOnlyList<string> allowed)
    {
        var asked = string.Equals(requested, model, StringComparison.OrdinalIgnoreCase) ? model : $"{model} (asked as {requested})";
        return new ApiError(403, AnthropicErrors.Permission,
            $"This API key may not use the model {asked}. It may use: {string.Join(", ", allowed)}. Ask the gateway's operator to allow another model.")
        {
            ShouldRetry = false,
        };
    }

    public static ApiError Expired(DateTimeOffset expiredAt) => new(401, AnthropicErrors.Authentication,
        $"This API key expired at {expiredAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC. " +
        "Ask the gateway's operator for a new key or a later expiry.")
    {
        ShouldRetry = false,
    };
}
