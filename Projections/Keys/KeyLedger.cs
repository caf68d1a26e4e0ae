using OrProject.Contracts.Events;

namespace OrProject.Projections.Keys;

/// <summary>
/// One API key's ledger, projected inline from its stream so admission reads a strongly consistent row:
/// budget, spend, counters and whether the key is disabled. Id is the key id (= stream id).
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

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }

    public long Version { get; set; }

    public decimal RemainingUsd => Math.Max(0m, BudgetUsd - SpentUsd);

    /// <summary>What is left once requests in flight holding <paramref name="reservedUsd"/> are paid at their worst case.</summary>
    public decimal RemainingAfter(decimal reservedUsd) => Math.Max(0m, BudgetUsd - SpentUsd - reservedUsd);

    public bool BudgetSpent => SpentUsd >= BudgetUsd;

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
    };

    public void Apply(KeyDisabled e) => Disabled = true;

    public void Apply(KeyEnabled e) => Disabled = false;

    public void Apply(BudgetChanged e) => BudgetUsd = e.BudgetUsd;

    public void Apply(UsageRecorded e)
    {
        SpentUsd += e.CostUsd;
        Requests++;
        InputTokens += e.InputTokens;
        OutputTokens += e.OutputTokens;
        CacheCreationTokens += e.CacheCreationTokens;
        CacheReadTokens += e.CacheReadTokens;
        LastUsedAt = e.At;
    }
}
