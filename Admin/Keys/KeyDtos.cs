using OrProject.Contracts.Events;
using OrProject.Projections.Keys;

namespace OrProject.Admin.Keys;

/// <summary>A new key: a name and a budget, and optionally its budget period and limits (absent is no limit).</summary>
public sealed record IssueKeyRequest(string? Name, decimal? BudgetUsd, string? BudgetPeriod = null, DateTimeOffset? ExpiresAt = null,
    string[]? Models = null, int? Rpm = null, int? Tpm = null, int? MaxConcurrency = null)
{
    public ChangeLimitsRequest ToLimits() => new(ExpiresAt, Models, Rpm, Tpm, MaxConcurrency);
}

public sealed record ChangeBudgetRequest(decimal? BudgetUsd);

/// <summary><c>PUT /admin/api/keys/{id}/limits</c>: every limit at once; null or absent clears it.</summary>
public sealed record ChangeLimitsRequest(DateTimeOffset? ExpiresAt, string[]? Models, int? Rpm, int? Tpm, int? MaxConcurrency);

/// <summary>A key just issued: the key as <see cref="KeyResponse"/> shows it, plus the key itself, shown only here.</summary>
public sealed record IssuedKeyResponse(string Id, string Name, string Key, string Prefix, decimal BudgetUsd, string BudgetPeriod,
    DateTimeOffset PeriodStart, decimal SpentUsd, decimal TotalSpentUsd, decimal ReservedUsd, decimal RemainingUsd, long Requests,
    bool Disabled, DateTimeOffset? ExpiresAt, IReadOnlyList<string>? Models, int? Rpm, int? Tpm, int? MaxConcurrency,
    DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt)
{
    public static IssuedKeyResponse From(KeyLedger k, string key, DateTimeOffset now) =>
        new(k.Id, k.Name, key, k.Prefix, k.BudgetUsd, k.BudgetPeriod, k.PeriodStartAt(now), k.SpentInPeriod(now), k.SpentUsd, 0m,
            k.RemainingAfter(0m, now), k.Requests, k.Disabled, k.ExpiresAt, k.Models, k.Rpm, k.Tpm, k.MaxConcurrency, k.CreatedAt,
            k.LastUsedAt);
}

/// <summary>
/// A key as the admin sees it. <c>spentUsd</c> is the spend of the current budget period (UTC), what the cap compares;
/// <c>totalSpentUsd</c> everything the key ever spent. <c>reservedUsd</c> is what its requests in flight hold at their
/// worst case until they are charged; <c>remainingUsd</c> is the period's budget less spent and reserved, what a new
/// request is admitted against.
/// </summary>
public sealed record KeyResponse(string Id, string Name, string Prefix, decimal BudgetUsd, string BudgetPeriod, DateTimeOffset PeriodStart,
    decimal SpentUsd, decimal TotalSpentUsd, decimal ReservedUsd, decimal RemainingUsd, long Requests, bool Disabled,
    DateTimeOffset? ExpiresAt, IReadOnlyList<string>? Models, int? Rpm, int? Tpm, int? MaxConcurrency, DateTimeOffset CreatedAt,
    DateTimeOffset? LastUsedAt)
{
    public static KeyResponse From(KeyLedger k, decimal reservedUsd, DateTimeOffset now) =>
        new(k.Id, k.Name, k.Prefix, k.BudgetUsd, k.BudgetPeriod, k.PeriodStartAt(now), k.SpentInPeriod(now), k.SpentUsd, reservedUsd,
            k.RemainingAfter(reservedUsd, now), k.Requests, k.Disabled, k.ExpiresAt, k.Models, k.Rpm, k.Tpm, k.MaxConcurrency,
            k.CreatedAt, k.LastUsedAt);
}

/// <summary>The key holder's own view (<c>GET /usage/me</c>, the <c>/usage</c> page): spend of the current period, and the key's limits.</summary>
public sealed record UsageMeResponse(string KeyId, string Name, decimal BudgetUsd, string BudgetPeriod, DateTimeOffset PeriodStart,
    decimal SpentUsd, decimal ReservedUsd, decimal RemainingUsd, long Requests, long InputTokens, long OutputTokens, bool Disabled,
    DateTimeOffset? ExpiresAt, IReadOnlyList<string>? Models, int? Rpm, int? Tpm, int? MaxConcurrency)
{
    public static UsageMeResponse From(KeyLedger k, decimal reservedUsd, DateTimeOffset now) =>
        new(k.Id, k.Name, k.BudgetUsd, k.BudgetPeriod, k.PeriodStartAt(now), k.SpentInPeriod(now), reservedUsd,
            k.RemainingAfter(reservedUsd, now), k.Requests, k.InputTokens, k.OutputTokens, k.Disabled, k.ExpiresAt, k.Models, k.Rpm,
            k.Tpm, k.MaxConcurrency);
}

/// <summary>Admin input for limits, checked: each violation names its field, as the admin API's 400 says it.</summary>
internal static class KeyLimitsInput
{
    public const int MaxModels = 100;

    public static (KeyLimits? Limits, string? Error) Validate(ChangeLimitsRequest request)
    {
        if (Count("rpm", request.Rpm, 1_000_000) is { } rpm)
        {
            return (null, rpm);
        }

        if (Count("tpm", request.Tpm, 1_000_000_000) is { } tpm)
        {
            return (null, tpm);
        }

        if (Count("maxConcurrency", request.MaxConcurrency, 100_000) is { } concurrency)
        {
            return (null, concurrency);
        }

        string[]? models = null;
        if (request.Models is { Length: > 0 } given)
        {
            if (given.Length > MaxModels)
            {
                return (null, $"models: at most {MaxModels} model ids");
            }

            if (given.Any(m => string.IsNullOrWhiteSpace(m) || m.Trim().Length > 200))
            {
                return (null, "models: each entry must be a model id of 1 to 200 characters");
            }

            models = [.. given.Select(m => m.Trim()).Distinct(StringComparer.OrdinalIgnoreCase)];
        }

        return (new KeyLimits(request.ExpiresAt?.ToUniversalTime(), models, request.Rpm, request.Tpm, request.MaxConcurrency), null);
    }

    private static string? Count(string field, int? value, int max) =>
        value is { } n && (n < 1 || n > max) ? $"{field}: a whole number from 1 to {max}, or null for no limit" : null;
}
