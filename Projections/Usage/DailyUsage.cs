using JasperFx.Events;
using Marten.Events.Projections;
using OrProject.Contracts.Events;

namespace OrProject.Projections.Usage;

/// <summary>Usage of one key on one model on one UTC day; built by the async daemon from <c>UsageRecorded</c>.</summary>
public class DailyUsage
{
    public string Id { get; set; } = "";

    public string KeyId { get; set; } = "";

    public string Model { get; set; } = "";

    public DateOnly Day { get; set; }

    public long Requests { get; set; }

    public long InputTokens { get; set; }

    public long OutputTokens { get; set; }

    public long CacheCreationTokens { get; set; }

    public long CacheReadTokens { get; set; }

    public decimal CostUsd { get; set; }

    public static string IdOf(UsageRecorded e) => $"{e.KeyId}:{e.ModelServed}:{DayOf(e):yyyy-MM-dd}";

    public static DateOnly DayOf(UsageRecorded e) => DateOnly.FromDateTime(e.At.UtcDateTime);
}

public class DailyUsageProjection : MultiStreamProjection<DailyUsage, string>
{
    public DailyUsageProjection() => Identity<UsageRecorded>(DailyUsage.IdOf);

    public void Apply(DailyUsage view, UsageRecorded e)
    {
        view.Id = DailyUsage.IdOf(e);
        view.KeyId = e.KeyId;
        view.Model = e.ModelServed;
        view.Day = DailyUsage.DayOf(e);
        view.Requests++;
        view.InputTokens += e.InputTokens;
        view.OutputTokens += e.OutputTokens;
        view.CacheCreationTokens += e.CacheCreationTokens;
        view.CacheReadTokens += e.CacheReadTokens;
        view.CostUsd += e.CostUsd;
    }
}
