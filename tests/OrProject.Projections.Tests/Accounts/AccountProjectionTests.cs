using OrProject.Contracts.Events;
using OrProject.Projections.Accounts;

namespace OrProject.Projections.Tests.Accounts;

/// <summary>An account's status as the pool and the admin views read it, from its stream's events.</summary>
public sealed class AccountProjectionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private static UpstreamAccount Added(params string[] models) => UpstreamAccount.Create(
        new AccountAdded("acct_1", "main", AccountKinds.Anthropic, "https://api.example", "protected", 3, models, "admin", Now.AddDays(-1), MaxConcurrency: 8));

    private static AccountCooledDown CooledDown(int status, TimeSpan @for, bool probe = false) =>
        new("acct_1", Now + @for, status, $"upstream said {status}", Now, probe);

    [Fact]
    public void Create_FromAccountAdded_ActiveWithItsSettings()
    {
        var account = Added("claude-sonnet-4-5");

        Assert.Equal((3, 8, AccountKinds.Anthropic), (account.Weight, account.MaxConcurrency, account.Kind));
        Assert.Equal(AccountStatus.Active, account.StatusAt(Now));
    }

    [Fact]
    public void CooledDownByA429_CoolingAndNotEvenALastResortUntilItEnds()
    {
        var account = Added();

        account.Apply(CooledDown(429, TimeSpan.FromSeconds(30)));

        Assert.True(account.RateLimited);
        Assert.Equal(AccountStatus.Cooling, account.StatusAt(Now));
        Assert.False(account.LastResortAt(Now)); // the upstream said when to come back
        Assert.Equal(AccountStatus.Active, account.StatusAt(Now.AddSeconds(31)));
        Assert.True(account.LastResortAt(Now.AddSeconds(31)));
    }

    [Fact]
    public void CooledDownByA5xx_CoolingButStillALastResort()
    {
        var account = Added();

        account.Apply(CooledDown(529, TimeSpan.FromSeconds(30)));

        Assert.False(account.RateLimited);
        Assert.Equal(AccountStatus.Cooling, account.StatusAt(Now));
        Assert.True(account.LastResortAt(Now));
        Assert.Equal(Now, account.LastFailureAt);
        Assert.Equal("upstream said 529", account.LastError);
    }

    [Fact]
    public void CircuitOpened_ProbingOnceTheCooldownEnds_NotActiveByTheClock()
    {
        var account = Added();

        account.Apply(CooledDown(500, TimeSpan.FromSeconds(10), probe: true));

        Assert.Equal(AccountStatus.Cooling, account.StatusAt(Now));
        Assert.Equal(AccountStatus.Probing, account.StatusAt(Now.AddMinutes(5)));
    }

    [Fact]
    public void Restored_ActiveAtOnceAndForgetsTheRateLimit()
    {
        var account = Added();
        account.Apply(CooledDown(429, TimeSpan.FromMinutes(1), probe: true));

        account.Apply(new AccountRestored("acct_1", "probe", Now, "probe succeeded"));

        Assert.Equal(AccountStatus.Active, account.StatusAt(Now));
        Assert.False(account.RateLimited);
        Assert.False(account.ProbeRequired);
    }

    [Fact]
    public void LaterCooldownWithAnotherStatus_ReplacesTheRateLimit()
    {
        var account = Added();
        account.Apply(CooledDown(429, TimeSpan.FromMinutes(1)));

        account.Apply(CooledDown(503, TimeSpan.FromMinutes(1)));

        Assert.False(account.RateLimited);
        Assert.True(account.LastResortAt(Now));
    }

    [Fact]
    public void Disabled_DisabledWhateverTheCooldown_EnabledClearsEverything()
    {
        var account = Added();
        account.Apply(CooledDown(429, TimeSpan.FromMinutes(1), probe: true));

        account.Apply(new AccountDisabled("acct_1", "key revoked", "admin", Now));
        Assert.Equal(AccountStatus.Disabled, account.StatusAt(Now.AddHours(1)));
        Assert.False(account.LastResortAt(Now.AddHours(1)));
        Assert.Equal("key revoked", account.DisabledReason);

        account.Apply(new AccountEnabled("acct_1", "admin", Now));

        Assert.Equal(AccountStatus.Active, account.StatusAt(Now));
        Assert.Equal((false, false, (string?)null, (DateTimeOffset?)null), (account.RateLimited, account.ProbeRequired, account.DisabledReason, account.CooldownUntil));
    }

    [Fact]
    public void Rotated_CountsAndRemembersTheFailureWithoutCooling()
    {
        var account = Added();

        account.Apply(new AccountRotated("acct_1", "req_1", 500, "overloaded", Now));

        Assert.Equal((1L, "overloaded", (DateTimeOffset?)Now), (account.Rotations, account.LastError, account.LastFailureAt));
        Assert.Equal(AccountStatus.Active, account.StatusAt(Now));
    }

    [Theory]
    [InlineData(new string[0], "anything-at-all", true)]
    [InlineData(new[] { "claude-sonnet-4-5" }, "CLAUDE-SONNET-4-5", true)]
    [InlineData(new[] { "claude-sonnet-4-5" }, "claude-haiku-4-5", false)]
    public void Serves_NoListServesEverything_ElseListedModelsInAnyCase(string[] models, string model, bool serves)
    {
        Assert.Equal(serves, Added(models).Serves(model));
    }

    [Fact]
    public void Health_CountsRequestsFromUsageAndFailuresFromRotations()
    {
        var projection = new AccountHealthProjection();
        var view = new AccountHealth();

        projection.Apply(view, new AccountAdded("acct_1", "main", AccountKinds.Anthropic, "u", "p", 1, [], "admin", Now));
        projection.Apply(view, new UsageRecorded("req_1", "key_1", "m", "m", "acct_1", 100, 20, 0, 0, 0.01m, "completed", Now));
        projection.Apply(view, new UsageRecorded("req_2", "key_2", "m", "m", "acct_1", 50, 10, 0, 0, 0.02m, "completed", Now.AddMinutes(1)));
        projection.Apply(view, new AccountRotated("acct_1", "req_3", 529, "overloaded", Now.AddMinutes(2)));

        Assert.Equal("acct_1", view.Id);
        Assert.Equal((2L, 1L, 150L, 30L, 0.03m), (view.Requests, view.Failures, view.InputTokens, view.OutputTokens, view.CostUsd));
        Assert.Equal((Now.AddMinutes(1), Now.AddMinutes(2)), (view.LastUsedAt!.Value, view.LastFailureAt!.Value));
    }
}
