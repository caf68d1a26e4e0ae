using System.Threading.RateLimiting;
using OrProject.Api.Dispatch;
using OrProject.Projections.Keys;
using OrProject.Protocols.Anthropic;

namespace OrProject.Api.Auth;

/// <summary>The outcome of admission: the key as admission sees it, or the refusal to send in the protocol's envelope.</summary>
internal sealed record Admission(AdmissionView? View, ApiError? Refusal)
{
    public static Admission Admit(AdmissionView view) => new(view, null);

    public static Admission Refuse(ApiError refusal) => new(null, refusal);

    public bool Admitted => View is not null;

    public KeyLedger Key => View?.Ledger ?? throw new InvalidOperationException("The request was refused.");
}

/// <summary>
/// Edge admission: the key from <c>x-api-key</c> or <c>Authorization: Bearer</c>, looked up by its SHA-256 hash in the
/// inline <see cref="KeyLedger"/> projection (through <see cref="KeyLedgerCache"/>). Unknown or expired → 401,
/// disabled → 403, the current period's budget spent → 429 that no retry can help. This is the cheap first look; the budget cap itself is the hold
/// that <see cref="EdgePipeline"/> takes once it knows the request's worst case. A client address whose lookups keep
/// finding no key is refused before the database is asked (<see cref="UnknownKeyLimiter"/>).
/// </summary>
internal sealed class KeyAdmission(KeyLedgerCache ledgers, UnknownKeyLimiter unknownKeys, TimeProvider clock)
{
    /// <summary>For routes that spend or may spend: the key must be known, enabled and not spent.</summary>
    public async Task<Admission> AdmitAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var admitted = await AuthenticateAsync(request, cancellationToken);
        var now = clock.GetUtcNow();
        return admitted.View is { } view && view.BudgetSpentAt(now)
            ? Admission.Refuse(ApiError.Budget(
                $"Budget exceeded for this API key: {BudgetHolds.Usd(view.SpentAt(now))} of its {BudgetHolds.Usd(view.Ledger.BudgetUsd)} " +
                $"{BudgetHolds.PeriodWords(view.Ledger.BudgetPeriod)} is spent. {BudgetHolds.WhatToDo(view.Ledger, now)}"))
            : admitted;
    }

    /// <summary>Unknown or expired → 401, disabled → 403, but a spent budget is no refusal: for routes that spend nothing (models).</summary>
    public async Task<Admission> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var key = ApiKeys.FromRequest(request);
        var bearer = request.Headers["x-api-key"].ToString().Length == 0;
        if (string.IsNullOrEmpty(key))
        {
            return Admission.Refuse(ApiError.UnknownKey(null, bearer));
        }

        var hash = ApiKeys.Hash(key);
        var address = request.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "";
        var remembered = ledgers.IsCached(hash);
        if (!remembered && !unknownKeys.MayLookUp(address))
        {
            return Admission.Refuse(unknownKeys.Refusal);
        }

        var view = await ledgers.FindAsync(hash, cancellationToken);
        if (view is null)
        {
            if (!remembered)
            {
                unknownKeys.Missed(address); // only lookups that reached the database count
            }

            return Admission.Refuse(ApiError.UnknownKey(key, bearer));
        }

        return view.Ledger.IsExpired(clock.GetUtcNow()) ? Admission.Refuse(KeyLimitRefusals.Expired(view.Ledger.ExpiresAt!.Value))
            : view.Ledger.Disabled ? Admission.Refuse(ApiError.DisabledKey)
            : Admission.Admit(view);
    }
}

/// <summary>
/// How many lookups of keys that do not exist one client address may make a minute (<c>Keys:UnknownKeyLookupsPerMinute</c>,
/// 60 by default) before its requests with keys not already known to this edge are refused without asking the
/// database. Together with <see cref="KeyLedgerCache"/>'s memory of unknown hashes, a key-guessing loop costs the
/// database next to nothing. Built on <see cref="System.Threading.RateLimiting"/>, ASP.NET Core's own limiter.
/// </summary>
internal sealed class UnknownKeyLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public UnknownKeyLimiter(IConfiguration configuration)
    {
        var perMinute = Math.Max(1, configuration.GetValue("Keys:UnknownKeyLookupsPerMinute", 60));
        _limiter = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetFixedWindowLimiter(address,
            _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
    }

    public ApiError Refusal { get; } = new(429, AnthropicErrors.RateLimit,
        "Too many requests with unknown API keys from this address; check the key. Requests are refused for up to a minute.")
    {
        OpenAiCode = "rate_limit_exceeded",
        ShouldRetry = false,
        RetryAfterSeconds = 60,
    };

    /// <summary>Whether the address has misses left this minute (asking costs none).</summary>
    public bool MayLookUp(string address)
    {
        using var lease = _limiter.AttemptAcquire(address, 0);
        return lease.IsAcquired;
    }

    public void Missed(string address) => _limiter.AttemptAcquire(address, 1).Dispose();

    public void Dispose() => _limiter.Dispose();
}
