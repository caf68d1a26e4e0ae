using OrProject.Contracts.Events;

namespace OrProject.Projections.Keys;

/// <summary>
/// One API key's ledger, projected inline from its stream so admission reads a strongly consistent row:
/// budget, spend, counters, whether the key is disabled, and its controls (budget period, expiry, allowed models,
/// rate and concurrency limits). Id is the key id (= stream id). <see cref="SpentUsd"/> is everything the key ever
/// spent; the cap compares the spend of the current period (<see cref="SpentInPeriod"/>), kept beside it as
/// <see cref="PeriodSpentUsd"/> from <see cref="PeriodStart"/>, both folded from the events' own times so that a
/// replay gives the same numbers. A key idle across a boundary has spent nothing in the new period without any event:
/// the period is judged at the instant asked.
/// </summary>
public class KeyLedger
{
    public string Id { get; set; } = "";

    public string Name { get; set; } = "";

    public string KeyHash { get; set; } = "";

    public string Prefix { get; set; } = "";

    public decimal BudgetUsd { get; set; }

    public decimal SpentUsd { get; set; }

    public long Requests { get; set; }

    public long InputTokens { get; set; }

    public long OutputTokens { get; set; }

    public long CacheCreationTokens { get; set; }

    public long CacheReadTokens { get; set; }

    public bool Disabled { get; set; }

    /// <summary><c>total</c>, <c>daily</c> or <c>monthly</c> (<see cref="BudgetPeriods"/>).</summary>
    public string BudgetPeriod { get; set; } = BudgetPeriods.Total;

    /// <summary>The start of the period the last charge fell in (UTC); null before the first charge.</summary>
    public DateTimeOffset? PeriodStart { get; set; }

    /// <summary>What the charges since <see cref="PeriodStart"/> cost.</summary>
    public decimal PeriodSpentUsd { get; set; }

    public DateTimeOffset? ExpiresAt { get; set; }

    /// <summary>The model ids the key may use (after aliases resolve); null or empty allows every model.</summary>
    public string[]? Models { get; set; }

    public int? Rpm { get; set; }

    public int? Tpm { get; set; }

    public int? MaxConcurrency { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }

    public long Version { get; set; }

    // Methods, not properties: the ledger row is stored as JSON on every charge, and these are derived.
    public KeyLimits CurrentLimits() => new(ExpiresAt, Models, Rpm, Tpm, MaxConcurrency);

    /// <summary>Whether the key has a limit the ledger writer decides under the key's lock (rate or concurrency).</summary>
    public bool HasRateLimits() => Rpm is not null || Tpm is not null || MaxConcurrency is not null;

    public bool IsExpired(DateTimeOffset now) => ExpiresAt is { } expires && expires <= now;

    /// <summary>Whether the key may use <paramref name="model"/> (a resolved model id).</summary>
    public bool Allows(string model) => Models is not { Length: > 0 } models || models.Contains(model, StringComparer.OrdinalIgnoreCase);

    /// <summary>The start of the budget period that holds <paramref name="now"/>; the key's creation for a total budget.</summary>
    public DateTimeOffset PeriodStartAt(DateTimeOffset now) => StartOf(BudgetPeriod, now) ?? CreatedAt;

    /// <summary>What the key spent in the period that holds <paramref name="now"/>: what the cap compares.</summary>
    public decimal SpentInPeriod(DateTimeOffset now) =>
        BudgetPeriod == BudgetPeriods.Total ? SpentUsd
        : PeriodStart is { } start && start == StartOf(BudgetPeriod, now) ? PeriodSpentUsd
        : 0m;

    /// <summary>Whether the spend of the period holding <paramref name="now"/> has reached the budget.</summary>
    public bool BudgetSpentAt(DateTimeOffset now) => SpentInPeriod(now) >= BudgetUsd;

    /// <summary>What is left of the current period's budget once requests in flight holding <paramref name="reservedUsd"/> are paid.</summary>
    public decimal RemainingAfter(decimal reservedUsd, DateTimeOffset now) => Math.Max(0m, BudgetUsd - SpentInPeriod(now) - reservedUsd);

    /// <summary>The start (UTC) of the day or month that holds <paramref name="at"/>; null for a total budget.</summary>
    public static DateTimeOffset? StartOf(string period, DateTimeOffset at)
    {
        var utc = at.UtcDateTime;
        return period switch
        {
            BudgetPeriods.Daily => new DateTimeOffset(utc.Year, utc.Month, utc.Day, 0, 0, 0, TimeSpan.Zero),
            BudgetPeriods.Monthly => new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero),
            _ => null,
        };
    }

    /// <summary>A copy of this state (every member is a value or a string).</summary>
    public KeyLedger Copy() => (KeyLedger)MemberwiseClone();

    public static KeyLedger Create(KeyIssued e) => new()
    {
        Id = e.KeyId,
        Name = e.Name,
        KeyHash = e.KeyHash,
        Prefix = e.Prefix,
        BudgetUsd = e.BudgetUsd,
        CreatedAt = e.At,
        BudgetPeriod = BudgetPeriods.IsKnown(e.BudgetPeriod) ? e.BudgetPeriod : BudgetPeriods.Total,
        ExpiresAt = e.ExpiresAt,
        Models = e.Models is { Count: > 0 } models ? [.. models] : null,
        Rpm = e.Rpm,
        Tpm = e.Tpm,
        MaxConcurrency = e.MaxConcurrency,
    };

    public void Apply(KeyLimitsChanged e)
    {
        ExpiresAt = e.Limits.ExpiresAt;
        Models = e.Limits.Models is { Count: > 0 } models ? [.. models] : null;
        Rpm = e.Limits.Rpm;
        Tpm = e.Limits.Tpm;
        MaxConcurrency = e.Limits.MaxConcurrency;
    }

    public void Apply(KeyDisabled e) => Disabled = true;

    public void Apply(KeyEnabled e) => Disabled = false;

    public void Apply(BudgetChanged e) => BudgetUsd = e.BudgetUsd;

    public void Apply(UsageRecorded e)
    {
        SpentUsd += e.CostUsd;
        AddToPeriod(e.CostUsd, e.At);
        Requests++;
        InputTokens += e.InputTokens;
        OutputTokens += e.OutputTokens;
        CacheCreationTokens += e.CacheCreationTokens;
        CacheReadTokens += e.CacheReadTokens;
        LastUsedAt = e.At;
    }

    /// <summary>
    /// Counts a charge in the period of its own time. A charge stamped before the period already counted (a request
    /// settled late, appended after a later one) belongs to a closed period: the ledger keeps it, the cap does not.
    /// </summary>
    private void AddToPeriod(decimal costUsd, DateTimeOffset at)
    {
        if (StartOf(BudgetPeriod, at) is not { } start)
        {
            return;
        }

        if (PeriodStart is not { } current || start > current)
        {
            PeriodStart = start;
            PeriodSpentUsd = 0m;
        }

        if (start == PeriodStart)
        {
            PeriodSpentUsd += costUsd;
        }
    }
}
