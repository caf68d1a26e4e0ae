using OrProject.Contracts.Events;
using OrProject.Projections.Usage;

namespace OrProject.Projections.Tests.Usage;

public sealed class DailyUsageProjectionTests
{
    private static UsageRecorded Usage(DateTimeOffset at, decimal cost = 0.01m, string served = "claude-sonnet-4-5-20250929") =>
        new("req_1", "key_1", "claude-sonnet-4-5", served, "acct_1", 100, 20, 30, 40, cost, "completed", at);

    [Fact]
    public void IdOf_DayIsTheUtcDayWhateverTheEventsOffset()
    {
        // 23:30 on the 27th at UTC-5 is 04:30 on the 28th in UTC.
        var e = Usage(new DateTimeOffset(2026, 11, 27, 23, 30, 0, TimeSpan.FromHours(-5)));

        Assert.Equal(new DateOnly(2026, 11, 28), DailyUsage.DayOf(e));
        Assert.Equal("key_1:claude-sonnet-4-5-20250929:2026-11-28", DailyUsage.IdOf(e));
    }

    [Fact]
    public void IdOf_GroupsByTheModelServedNotTheOneRequested()
    {
        var at = new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

        Assert.NotEqual(DailyUsage.IdOf(Usage(at)), DailyUsage.IdOf(Usage(at, served: "claude-haiku-4-5")));
    }

    [Fact]
    public void Apply_Twice_SumsEverythingIntoOneRow()
    {
        var projection = new DailyUsageProjection();
        var view = new DailyUsage();
        var at = new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);

        projection.Apply(view, Usage(at, 0.01m));
        projection.Apply(view, Usage(at.AddHours(5), 0.02m));

        Assert.Equal(("key_1", "claude-sonnet-4-5-20250929", new DateOnly(2026, 11, 27)), (view.KeyId, view.Model, view.Day));
        Assert.Equal((2L, 200L, 40L, 60L, 80L), (view.Requests, view.InputTokens, view.OutputTokens, view.CacheCreationTokens, view.CacheReadTokens));
        Assert.Equal(0.03m, view.CostUsd);
    }
}
