using Marten;
using Microsoft.Extensions.Configuration;
using OrProject.Contracts.Events;
using OrProject.Projections.Keys;
using OrProject.Projections.Rebuild;

namespace OrProject.Admin.Keys;

/// <summary>Key lifecycle, shared by the admin API and the admin pages; every change is an event naming its actor.</summary>
internal sealed class KeyCommands(IDocumentSession session, IConfiguration configuration, TimeProvider clock, KeyLedgerCache ledgers)
{
    public async Task<AdminResult<IssuedKeyResponse>> IssueAsync(IssueKeyRequest request, string actor, CancellationToken ct)
    {
        var (name, budgetUsd) = (request.Name, request.BudgetUsd);
        name = name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            return AdminResult<IssuedKeyResponse>.Invalid("name: a name of 1 to 200 characters is required");
        }

        if (budgetUsd is not { } budget || budget < 0)
        {
            return AdminResult<IssuedKeyResponse>.Invalid("budgetUsd: a budget of 0 or more USD is required");
        }

        var period = string.IsNullOrWhiteSpace(request.BudgetPeriod) ? BudgetPeriods.Total : request.BudgetPeriod.Trim().ToLowerInvariant();
        if (!BudgetPeriods.IsKnown(period))
        {
            return AdminResult<IssuedKeyResponse>.Invalid("budgetPeriod: one of \"total\", \"daily\" or \"monthly\"");
        }

        var (limits, invalid) = KeyLimitsInput.Validate(request.ToLimits());
        if (limits is null)
        {
            return AdminResult<IssuedKeyResponse>.Invalid(invalid!);
        }

        var prefix = configuration["Keys:Prefix"] is { Length: > 0 } p ? p : "sk-orp-";
        var key = ApiKeys.Generate(prefix);
        var id = ApiKeys.NewKeyId();
        var now = clock.GetUtcNow();
        var issued = new KeyIssued(id, name, ApiKeys.Hash(key), ApiKeys.Display(key, prefix), budget, actor, now, period,
            limits.ExpiresAt, limits.Models, limits.Rpm, limits.Tpm, limits.MaxConcurrency);
        await session.BeginAppendAsync(ct);
        session.Events.StartStream<KeyLedger>(id, issued);
        await session.SaveChangesAsync(ct);
        return AdminResult<IssuedKeyResponse>.Ok(IssuedKeyResponse.From(KeyLedger.Create(issued), key, now));
    }

    /// <summary>Replaces the key's limits (what the request leaves out is cleared); an unchanged set appends nothing.</summary>
    public async Task<AdminResult<KeyLedger>> ChangeLimitsAsync(string id, ChangeLimitsRequest? request, string actor, CancellationToken ct)
    {
        var (limits, invalid) = KeyLimitsInput.Validate(request ?? new ChangeLimitsRequest(null, null, null, null, null));
        return limits is null
            ? AdminResult<KeyLedger>.Invalid(invalid!)
            : await ChangeAsync(id, k => Same(k.CurrentLimits(), limits) ? null : new KeyLimitsChanged(id, k.CurrentLimits(), limits, actor, clock.GetUtcNow()), ct);
    }

    private static bool Same(KeyLimits a, KeyLimits b) =>
        a.ExpiresAt == b.ExpiresAt && a.Rpm == b.Rpm && a.Tpm == b.Tpm && a.MaxConcurrency == b.MaxConcurrency &&
        (a.Models ?? []).SequenceEqual(b.Models ?? [], StringComparer.Ordinal);

    public Task<AdminResult<KeyLedger>> SetDisabledAsync(string id, bool disabled, string actor, CancellationToken ct) =>
        ChangeAsync(id, _ => disabled ? new KeyDisabled(id, actor, clock.GetUtcNow()) : new KeyEnabled(id, actor, clock.GetUtcNow()), ct);

    public Task<AdminResult<KeyLedger>> ChangeBudgetAsync(string id, decimal? budgetUsd, string actor, CancellationToken ct) =>
        budgetUsd is not { } budget || budget < 0
            ? Task.FromResult(AdminResult<KeyLedger>.Invalid("budgetUsd: a budget of 0 or more USD is required"))
            : ChangeAsync(id, k => new BudgetChanged(id, k.BudgetUsd, budget, actor, clock.GetUtcNow()), ct);

    /// <summary>
    /// Appends one admin event to a key stream under the stream's row lock: usage from workers is appended to the
    /// same stream concurrently, and a blind append could collide with it. Admission on this instance sees the change
    /// at once; on other instances within <see cref="KeyLedgerCache.Freshness"/>.
    /// </summary>
    private async Task<AdminResult<KeyLedger>> ChangeAsync(string id, Func<KeyLedger, object?> change, CancellationToken ct)
    {
        await session.BeginAppendAsync(ct);
        var stream = await session.Events.FetchForExclusiveWriting<KeyLedger>(id, ct);
        if (stream.Aggregate is not { } key)
        {
            return AdminResult<KeyLedger>.Missing($"No key {id}.");
        }

        if (change(key) is not { } changed)
        {
            return AdminResult<KeyLedger>.Ok(key);
        }

        stream.AppendOne(changed);
        await session.SaveChangesAsync(ct);
        ledgers.Forget(id);
        return AdminResult<KeyLedger>.Ok((await session.LoadAsync<KeyLedger>(id, ct))!);
    }
}
