using System.Globalization;
using OrProject.Admin.Keys;
using OrProject.Contracts.Events;

namespace OrProject.Admin.Pages.Panel;

/// <summary>
/// A key's limits as the Keys page's forms post them: numbers left empty are no limit, models one per line or
/// comma-separated, the expiry a <c>datetime-local</c> value read as UTC (the form says so).
/// </summary>
internal sealed class LimitsInput
{
    public int? Rpm { get; set; }

    public int? Tpm { get; set; }

    public int? MaxConcurrency { get; set; }

    public string? Models { get; set; }

    public string? ExpiresAt { get; set; }

    public string[]? ModelList => Models?.Split([',', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is { Length: > 0 } list
        ? list
        : null;

    /// <summary>The expiry, or an error naming the field when the text is no time.</summary>
    public (DateTimeOffset? At, string? Error) Expiry() =>
        string.IsNullOrWhiteSpace(ExpiresAt) ? (null, null)
        : DateTimeOffset.TryParse(ExpiresAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? (at, null)
            : (null, "expiresAt: a date and time (UTC), or empty for no expiry");

    public ChangeLimitsRequest ToRequest(DateTimeOffset? expiresAt) => new(expiresAt, ModelList, Rpm, Tpm, MaxConcurrency);

    public static LimitsInput From(KeyLimits limits) => new()
    {
        Rpm = limits.Rpm,
        Tpm = limits.Tpm,
        MaxConcurrency = limits.MaxConcurrency,
        Models = limits.Models is { Count: > 0 } models ? string.Join(", ", models) : null,
        ExpiresAt = limits.ExpiresAt?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture),
    };
}
