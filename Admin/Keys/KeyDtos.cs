using OrProject.Projections.Keys;

namespace OrProject.Admin.Keys;

public sealed record IssueKeyRequest(string? Name, decimal? BudgetUsd);

public sealed record ChangeBudgetRequest(decimal? BudgetUsd);

public sealed record IssuedKeyResponse(string Id, string Name, string Key, string Prefix, decimal BudgetUsd, decimal SpentUsd,
    bool Disabled, DateTimeOffset CreatedAt);

public sealed record KeyResponse(string Id, string Name, string Prefix, decimal BudgetUsd, decimal SpentUsd, decimal RemainingUsd,
    long Requests, bool Disabled, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt)
{
    public static KeyResponse From(KeyLedger k) =>
        new(k.Id, k.Name, k.Prefix, k.BudgetUsd, k.SpentUsd, k.RemainingUsd, k.Requests, k.Disabled, k.CreatedAt, k.LastUsedAt);
}

public sealed record UsageMeResponse(string KeyId, string Name, decimal BudgetUsd, decimal SpentUsd, decimal RemainingUsd,
    long Requests, long InputTokens, long OutputTokens, bool Disabled)
{
    public static UsageMeResponse From(KeyLedger k) =>
        new(k.Id, k.Name, k.BudgetUsd, k.SpentUsd, k.RemainingUsd, k.Requests, k.InputTokens, k.OutputTokens, k.Disabled);
}
