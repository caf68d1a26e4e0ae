using OrProject.Projections.Keys;

namespace OrProject.Admin.Keys;

public sealed record IssueKeyRequest(string? Name, decimal? BudgetUsd);

public sealed record ChangeBudgetRequest(decimal? BudgetUsd);

public sealed record IssuedKeyResponse(string Id, string Name, string Key, string Prefix, decimal BudgetUsd, decimal SpentUsd,
    bool Disabled, DateTimeOffset CreatedAt);

/// <summary>
/// A key as the admin sees it. <c>reservedUsd</c> is what its requests in flight hold at their worst case until they
/// are charged; <c>remainingUsd</c> is the budget less spent and reserved, what a new request is admitted against.
/// </summary>
public sealed record KeyResponse(string Id, string Name, string Prefix, decimal BudgetUsd, decimal SpentUsd, decimal ReservedUsd,
    decimal RemainingUsd, long Requests, bool Disabled, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt)
{
    public static KeyResponse From(KeyLedger k, decimal reservedUsd) =>
        new(k.Id, k.Name, k.Prefix, k.BudgetUsd, k.SpentUsd, reservedUsd, k.RemainingAfter(reservedUsd), k.Requests, k.Disabled,
            k.CreatedAt, k.LastUsedAt);
}

/// <summary>The key holder's own view (<c>GET /usage/me</c>, the <c>/usage</c> page).</summary>
public sealed record UsageMeResponse(string KeyId, string Name, decimal BudgetUsd, decimal SpentUsd, decimal ReservedUsd,
    decimal RemainingUsd, long Requests, long InputTokens, long OutputTokens, bool Disabled)
{
    public static UsageMeResponse From(KeyLedger k, decimal reservedUsd) =>
        new(k.Id, k.Name, k.BudgetUsd, k.SpentUsd, reservedUsd, k.RemainingAfter(reservedUsd), k.Requests, k.InputTokens,
            k.OutputTokens, k.Disabled);
}
