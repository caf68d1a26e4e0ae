using OrProject.Contracts.Anthropic;
using OrProject.Projections.Keys;

namespace OrProject.Api.Auth;

/// <summary>The outcome of admission: the key's ledger, or the refusal to send in the protocol's envelope.</summary>
internal sealed record Admission(KeyLedger? Key, int Status, string ErrorType, string Message)
{
    public static Admission Admit(KeyLedger key) => new(key, 200, "", "");

    public bool Admitted => Key is not null;
}

/// <summary>
/// Edge admission: the key from <c>x-api-key</c> or <c>Authorization: Bearer</c>, looked up by its SHA-256 hash in the
/// inline <see cref="KeyLedger"/> projection (through <see cref="KeyLedgerCache"/>). Unknown → 401, disabled → 403,
/// budget spent → 429. Refused requests never reach a worker.
/// </summary>
internal sealed class KeyAdmission(KeyLedgerCache ledgers)
{
    public async Task<Admission> AdmitAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var view = await ViewAsync(request, cancellationToken);
        if (Refusal(view) is { } refused)
        {
            return refused;
        }

        return view!.BudgetSpent
            ? new Admission(null, 429, AnthropicErrors.RateLimit,
                $"Budget exceeded for this API key: {view.SpentUsd} of {view.Ledger.BudgetUsd} USD spent.")
            : Admission.Admit(view.Ledger);
    }

    /// <summary>Unknown → 401, disabled → 403, but a spent budget is no refusal: for routes that spend nothing (models, count_tokens).</summary>
    public async Task<Admission> AuthenticateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var view = await ViewAsync(request, cancellationToken);
        return Refusal(view) ?? Admission.Admit(view!.Ledger);
    }

    private static Admission? Refusal(AdmissionView? view) => view switch
    {
        null => new Admission(null, 401, AnthropicErrors.Authentication, "invalid x-api-key"),
        { Ledger.Disabled: true } => new Admission(null, 403, AnthropicErrors.Permission, "This API key is disabled."),
        _ => null,
    };

    private async ValueTask<AdmissionView?> ViewAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var key = ApiKeys.FromRequest(request);
        return string.IsNullOrEmpty(key) ? null : await ledgers.FindAsync(ApiKeys.Hash(key), cancellationToken);
    }
}
