using Marten;
using OrProject.Projections.Accounts;

namespace OrProject.Admin.Accounts;

/// <summary>The pool as the admin sees it: each account with its status now and its health counters.</summary>
internal static class AccountQueries
{
    public static async Task<AccountResponse[]> ListAsync(IQuerySession session, DateTimeOffset now, CancellationToken ct)
    {
        var accounts = await session.Query<UpstreamAccount>().OrderBy(a => a.CreatedAt).ToListAsync(ct);
        var health = (await session.LoadManyAsync<AccountHealth>(ct, accounts.Select(a => a.Id))).ToDictionary(h => h.Id);
        return accounts.Select(a => ToResponse(a, health.GetValueOrDefault(a.Id), now)).ToArray();
    }

    public static AccountResponse ToResponse(UpstreamAccount a, AccountHealth? health, DateTimeOffset now) =>
        new(a.Id, a.Name, a.Kind, a.BaseUrl, a.StatusAt(now), a.Weight, a.Models, a.CooldownUntil > now ? a.CooldownUntil : null,
            health?.Requests ?? 0, health?.Failures ?? a.Rotations, a.LastError);
}
