using Marten.Events.Projections;
using OrProject.Contracts.Events;

namespace OrProject.Projections.Accounts;

/// <summary>
/// Requests served and failures per upstream account, for the admin views; the async daemon builds it from the
/// account streams and from every key stream's <c>UsageRecorded</c>.
/// </summary>
public class AccountHealth
{
    public string Id { get; set; } = "";

    public long Requests { get; set; }

    public long Failures { get; set; }

    public long InputTokens { get; set; }

    public long OutputTokens { get; set; }

    public decimal CostUsd { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }

    public DateTimeOffset? LastFailureAt { get; set; }
}

public class AccountHealthProjection : MultiStreamProjection<AccountHealth, string>
{
    public AccountHealthProjection()
    {
        Identity<AccountAdded>(e => e.AccountId);
        Identity<AccountRotated>(e => e.AccountId);
        Identity<UsageRecorded>(e => e.AccountId);
    }

    public void Apply(AccountHealth view, AccountAdded e) => view.Id = e.AccountId;

    public void Apply(AccountHealth view, AccountRotated e)
    {
        view.Id = e.AccountId;
        view.Failures++;
        view.LastFailureAt = e.At;
    }

    public void Apply(AccountHealth view, UsageRecorded e)
    {
        view.Id = e.AccountId;
        view.Requests++;
        view.InputTokens += e.InputTokens;
        view.OutputTokens += e.OutputTokens;
        view.CostUsd += e.CostUsd;
        view.LastUsedAt = e.At;
    }
}
