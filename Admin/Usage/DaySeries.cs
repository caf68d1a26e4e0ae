namespace OrProject.Admin.Usage;

/// <summary>Spend per day with every day of a range present, zero where nothing was used, so a chart has no gaps.</summary>
internal static class DaySeries
{
    public static IReadOnlyList<(DateOnly Day, decimal CostUsd)> Fill(IEnumerable<(DateOnly Day, decimal CostUsd)> days, DateOnly from, DateOnly to)
    {
        var known = days.GroupBy(d => d.Day).ToDictionary(g => g.Key, g => g.Sum(d => d.CostUsd));
        var series = new List<(DateOnly, decimal)>();
        for (var day = from; day <= to; day = day.AddDays(1))
        {
            series.Add((day, known.GetValueOrDefault(day)));
        }

        return series;
    }

    /// <summary>
    /// A key holder's chart: at least the last two weeks, back to the first day of use, at most the last 90 days
    /// (older spend is still in the totals).
    /// </summary>
    public static DateOnly KeyHolderStart(IEnumerable<DateOnly> days, DateOnly today)
    {
        var first = days.DefaultIfEmpty(today).Min();
        var start = first < today.AddDays(-13) ? first : today.AddDays(-13);
        return start < today.AddDays(-89) ? today.AddDays(-89) : start;
    }
}
