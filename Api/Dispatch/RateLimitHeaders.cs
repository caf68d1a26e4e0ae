using System.Globalization;
using OrProject.Projections.Keys;

namespace OrProject.Api.Dispatch;

/// <summary>
/// A key's rate buckets in the headers the vendors' own APIs send, for each limit the key has: Anthropic's
/// <c>anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset}</c> with the reset as an RFC 3339 time, OpenAI's
/// <c>x-ratelimit-{limit,remaining,reset}-{requests,tokens}</c> with the reset as a duration (<c>1s</c>, <c>6m0s</c>).
/// A reset is when the bucket is full again.
/// </summary>
internal static class RateLimitHeaders
{
    public static void Write(HttpResponse response, RateLimitState state, bool openAi)
    {
        var now = state.At;
        if (state.Rpm is { } rpm)
        {
            Write(response, openAi, "requests", rpm, state.RequestsRemaining, state.RequestsResetAt, now);
        }

        if (state.Tpm is { } tpm)
        {
            Write(response, openAi, "tokens", tpm, state.TokensRemaining, state.TokensResetAt, now);
        }
    }

    private static void Write(HttpResponse response, bool openAi, string what, int limit, long remaining, DateTimeOffset resetAt, DateTimeOffset now)
    {
        var headers = response.Headers;
        if (openAi)
        {
            headers[$"x-ratelimit-limit-{what}"] = Number(limit);
            headers[$"x-ratelimit-remaining-{what}"] = Number(remaining);
            headers[$"x-ratelimit-reset-{what}"] = Duration(resetAt - now);
        }
        else
        {
            headers[$"anthropic-ratelimit-{what}-limit"] = Number(limit);
            headers[$"anthropic-ratelimit-{what}-remaining"] = Number(remaining);
            headers[$"anthropic-ratelimit-{what}-reset"] = CeilingSecond(resetAt).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Go's duration format, as OpenAI writes it: <c>20ms</c>, <c>1s</c>, <c>6m0s</c>, <c>1h0m0s</c>; whole seconds rounded up.</summary>
    internal static string Duration(TimeSpan span)
    {
        if (span <= TimeSpan.Zero)
        {
            return "0s";
        }

        if (span < TimeSpan.FromSeconds(1))
        {
            return Number((long)Math.Ceiling(span.TotalMilliseconds)) + "ms";
        }

        var seconds = (long)Math.Ceiling(span.TotalSeconds);
        var (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
        return h > 0 ? $"{h}h{m}m{s}s" : m > 0 ? $"{m}m{s}s" : $"{s}s";
    }

    // Not full before it: a reset written to the second is rounded up, never down.
    private static DateTimeOffset CeilingSecond(DateTimeOffset at) =>
        at.Ticks % TimeSpan.TicksPerSecond == 0 ? at : at.AddTicks(TimeSpan.TicksPerSecond - (at.Ticks % TimeSpan.TicksPerSecond));

    private static string Number(long n) => n.ToString(CultureInfo.InvariantCulture);
}
