using Marten;
using OrProject.Contracts.Events;
using OrProject.Projections.Accounts;
using OrProject.Projections.Rebuild;

namespace OrProject.Admin.Accounts;

/// <summary>The upstream pool's admin actions, shared by the admin API and the admin pages.</summary>
internal sealed class AccountCommands(IDocumentSession session, SecretProtector secrets, TimeProvider clock)
{
    public async Task<AdminResult<UpstreamAccount>> AddAsync(AddAccountRequest request, string actor, CancellationToken ct)
    {
        var kind = request.Kind?.Trim().ToLowerInvariant() ?? "";
        if (string.IsNullOrWhiteSpace(request.Name))
        {
            return AdminResult<UpstreamAccount>.Invalid("name: a name for the account is required");
        }

        if (!AccountKinds.IsKnown(kind))
        {
            return AdminResult<UpstreamAccount>.Invalid(kind.Length == 0
                ? "kind: one of anthropic, openai or simulator is required"
                : $"kind: '{request.Kind!.Trim()}' is not a kind this gateway speaks; use anthropic (Anthropic's API or a compatible endpoint), openai (an OpenAI-compatible endpoint) or simulator");
        }

        if (kind != AccountKinds.Simulator && (!Uri.TryCreate(request.BaseUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https")))
        {
            return AdminResult<UpstreamAccount>.Invalid("baseUrl: an http(s) URL is required");
        }

        if (request.Weight is < 1 or > 1000 || request.MaxConcurrency is < 0)
        {
            return AdminResult<UpstreamAccount>.Invalid("weight must be 1 to 1000 and maxConcurrency 0 or more");
        }

        var added = new AccountAdded("acct_" + Guid.CreateVersion7().ToString("N"), request.Name.Trim(), kind,
            request.BaseUrl?.Trim() is { Length: > 0 } baseUrl ? baseUrl : "builtin:simulator", secrets.Protect(request.ApiKey ?? ""),
            request.Weight ?? 1, request.Models ?? [], actor, clock.GetUtcNow(), request.MaxConcurrency ?? 0);
        await session.BeginAppendAsync(ct);
        session.Events.StartStream<UpstreamAccount>(added.AccountId, added);
        await session.SaveChangesAsync(ct);
        return AdminResult<UpstreamAccount>.Ok(UpstreamAccount.Create(added));
    }

    public Task<AdminResult<UpstreamAccount>> DisableAsync(string id, string actor, CancellationToken ct) =>
        ChangeAsync(id, new AccountDisabled(id, "disabled by an admin", actor, clock.GetUtcNow()), ct);

    public Task<AdminResult<UpstreamAccount>> EnableAsync(string id, string actor, CancellationToken ct) =>
        ChangeAsync(id, new AccountEnabled(id, actor, clock.GetUtcNow()), ct);

    public Task<AdminResult<UpstreamAccount>> RestoreAsync(string id, string actor, CancellationToken ct) =>
        ChangeAsync(id, new AccountRestored(id, actor, clock.GetUtcNow()), ct);

    private async Task<AdminResult<UpstreamAccount>> ChangeAsync(string id, object change, CancellationToken ct)
    {
        await session.BeginAppendAsync(ct);
        var stream = await session.Events.FetchForExclusiveWriting<UpstreamAccount>(id, ct);
        if (stream.Aggregate is null)
        {
            return AdminResult<UpstreamAccount>.Missing($"No account {id}.");
        }

        stream.AppendOne(change);
        await session.SaveChangesAsync(ct);
        return AdminResult<UpstreamAccount>.Ok((await session.LoadAsync<UpstreamAccount>(id, ct))!);
    }
}
