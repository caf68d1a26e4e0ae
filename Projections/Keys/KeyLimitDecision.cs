namespace OrProject.Projections.Keys;

/// <summary>
/// A key's rate and concurrency limits, decided from what <see cref="KeyLedgerWriter"/> read under the key's lock: the
/// ledger row, the key's <see cref="KeyRateWindow"/> and how many holds it has open. Pure, so every edge that asks
/// with the same state gets the same answer.
/// </summary>
public static class KeyLimitDecision
{
    /// <summary>
    /// The first of the key's limits a new request would break, in the order a client can least wait out:
    /// concurrency (a request in flight must finish), then requests, then tokens a minute. Null when none is.
    /// </summary>
    public static LimitRefusal? Decide(KeyLedger key, KeyRateWindow? window, int inFlight, DateTimeOffset now)
    {
        if (!key.HasRateLimits())
        {
            return null;
        }

        var requests = key.Rpm is { } rpm && window is not null ? window.RequestsAtTime(rpm, now) : 0;
        var tokens = key.Tpm is { } tpm && window is not null ? window.TokensAtTime(tpm, now) : 0;
        var state = State(key, requests, tokens, now);
        if (key.MaxConcurrency is { } max && inFlight >= max)
        {
            return new LimitRefusal(LimitKind.Concurrency, max, TimeSpan.FromSeconds(1), state);
        }

        if (key.Rpm is { } perMinute && requests < 1)
        {
            return new LimitRefusal(LimitKind.Requests, perMinute, KeyRateWindow.Until(requests, 1, perMinute), state);
        }

        if (key.Tpm is { } tokensPerMinute && tokens <= 0)
        {
            // Admitted once the bucket is above zero again: one token's refill past where it is now.
            return new LimitRefusal(LimitKind.Tokens, tokensPerMinute, KeyRateWindow.Until(tokens, 1, tokensPerMinute), state);
        }

        return null;
    }

    /// <summary>
    /// The key's buckets at <paramref name="now"/>, as the vendors' rate-limit headers tell them; null for a key without
    /// <c>rpm</c> or <c>tpm</c> (a concurrency limit has no such header). Read after a request took its share, so an
    /// admitted request's answer says what is left after it.
    /// </summary>
    public static RateLimitState? State(KeyLedger key, KeyRateWindow? window, DateTimeOffset now) =>
        window is null || (key.Rpm is null && key.Tpm is null)
            ? null
            : State(key, key.Rpm is { } rpm ? window.RequestsAtTime(rpm, now) : 0, key.Tpm is { } tpm ? window.TokensAtTime(tpm, now) : 0, now);

    private static RateLimitState State(KeyLedger key, double requests, double tokens, DateTimeOffset now) =>
        new(now,
            key.Rpm, (long)Math.Max(0, Math.Floor(requests)), now + KeyRateWindow.Until(requests, key.Rpm ?? 0, Math.Max(1, key.Rpm ?? 1)),
            key.Tpm, (long)Math.Max(0, Math.Floor(tokens)), now + KeyRateWindow.Until(tokens, key.Tpm ?? 0, Math.Max(1, key.Tpm ?? 1)));
}
