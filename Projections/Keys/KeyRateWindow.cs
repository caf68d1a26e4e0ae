namespace OrProject.Projections.Keys;

/// <summary>
/// A key's request and token buckets (<c>rpm</c>, <c>tpm</c>), one document per key, read and written only by
/// <see cref="KeyLedgerWriter"/> under the key stream's row lock: every edge decides on the same buckets, so the limits
/// hold exactly across processes, and a key with no rate limit never reads it. Not an event and not a view: it moves
/// no money and says nothing a replay needs (like a <see cref="BudgetHold"/>).
/// <para>
/// Each bucket holds up to a minute's allowance and refills continuously at a minute's allowance per minute, the way
/// Anthropic describes its own limits: a key with <c>rpm</c> 60 may send 60 at once, then one a second. A request
/// takes one from the request bucket when its hold is taken. Tokens are counted as they are charged (input, cache
/// writes and output; cache reads are not, as Anthropic does not count them), so the token bucket may go below zero
/// after a long answer, and the key is refused until it refills above zero.
/// </para>
/// </summary>
public sealed class KeyRateWindow
{
    /// <summary>The key id.</summary>
    public string Id { get; set; } = "";

    public double Requests { get; set; }

    public DateTimeOffset RequestsAt { get; set; }

    public double Tokens { get; set; }

    public DateTimeOffset TokensAt { get; set; }

    /// <summary>Buckets never used are full (refilled since the beginning of time).</summary>
    public static KeyRateWindow Full(string keyId) => new() { Id = keyId, RequestsAt = DateTimeOffset.MinValue, TokensAt = DateTimeOffset.MinValue };

    /// <summary>Forgets the buckets of limits the key no longer has, so that setting one again starts it full.</summary>
    public void ResetUnlimited(int? rpm, int? tpm)
    {
        if (rpm is null)
        {
            RequestsAt = DateTimeOffset.MinValue;
        }

        if (tpm is null)
        {
            TokensAt = DateTimeOffset.MinValue;
        }
    }

    /// <summary>The request bucket at <paramref name="now"/> for a limit of <paramref name="rpm"/> a minute.</summary>
    public double RequestsAtTime(int rpm, DateTimeOffset now) => Refilled(Requests, RequestsAt, rpm, now);

    public double TokensAtTime(int tpm, DateTimeOffset now) => Refilled(Tokens, TokensAt, tpm, now);

    public void TakeRequest(int rpm, DateTimeOffset now)
    {
        Requests = RequestsAtTime(rpm, now) - 1;
        RequestsAt = Later(RequestsAt, now);
    }

    public void TakeTokens(int tpm, long tokens, DateTimeOffset now)
    {
        Tokens = TokensAtTime(tpm, now) - tokens;
        TokensAt = Later(TokensAt, now);
    }

    /// <summary>How long until the bucket holds <paramref name="wanted"/> (zero when it does).</summary>
    public static TimeSpan Until(double level, double wanted, int perMinute) =>
        level >= wanted ? TimeSpan.Zero : TimeSpan.FromMinutes((wanted - level) / perMinute);

    // Edges' clocks differ a little: a refill never runs backwards.
    private static double Refilled(double level, DateTimeOffset at, int perMinute, DateTimeOffset now) =>
        Math.Min(perMinute, level + (Math.Max(0, (now - at).TotalMinutes) * perMinute));

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
