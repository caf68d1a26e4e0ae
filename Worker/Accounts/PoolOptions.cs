namespace OrProject.Worker.Accounts;

/// <summary>The account pool's settings, under <c>Pool:</c>.</summary>
public sealed class PoolOptions
{
    public const string Section = "Pool";

    /// <summary>Cooldown after a 429 whose answer named no retry time.</summary>
    public int RateLimitCooldownSeconds { get; set; } = 30;

    /// <summary>Cooldown after a 529 or 503 (overloaded) whose answer named no retry time: these pass quickly.</summary>
    public int FailureCooldownSeconds { get; set; } = 5;

    /// <summary>Upper bound on any cooldown, whatever an upstream's retry-after says.</summary>
    public int MaxCooldownSeconds { get; set; } = 3600;

    /// <summary>How often a worker re-reads the pool: admin changes and other workers' cooldowns reach it this fast.</summary>
    public int RefreshMilliseconds { get; set; } = 1000;

    /// <summary>Server errors, timeouts or failed connections in a row, on one worker, that open an account's circuit.</summary>
    public int CircuitConsecutiveFailures { get; set; } = 5;

    /// <summary>Share of failed calls within <see cref="CircuitWindowSeconds"/> that opens the circuit (0 to 1)…</summary>
    public double CircuitFailureRatio { get; set; } = 0.5;

    /// <summary>…once the window holds at least this many calls: a few unlucky calls are not a rate.</summary>
    public int CircuitMinimumCalls { get; set; } = 10;

    public int CircuitWindowSeconds { get; set; } = 60;

    /// <summary>How long an open circuit keeps the account out before one probe request may test it.</summary>
    public int CircuitBreakSeconds { get; set; } = 30;
}
