using System.Globalization;
using System.Text.Json;

namespace OrProject.Admin.Pages;

/// <summary>How the pages write money, counts and times: invariant culture, UTC, money to the micro-dollar.</summary>
internal static class Display
{
    public static string Money(decimal usd) => "$" + usd.ToString("#,0.00####", CultureInfo.InvariantCulture);

    public static string Count(long n) => n.ToString("#,0", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset? at) =>
        at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "—";

    /// <summary>A time in a narrow table column, to the minute; the column heading says UTC.</summary>
    public static string ShortTime(DateTimeOffset? at) =>
        at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : "—";

    public static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>A chart's day label, "Nov 25".</summary>
    public static string ShortDay(DateOnly day) => day.ToString("MMM d", CultureInfo.InvariantCulture);

    /// <summary>A duration as a person reads it: "4.5 s", "2 min 05 s", "1 h 02 min".</summary>
    public static string Duration(TimeSpan span) =>
        span < TimeSpan.Zero ? "—"
        : span.TotalMinutes < 1 ? span.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s"
        : span.TotalHours < 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalMinutes} min {span.Seconds:00} s")
        : string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours} h {span.Minutes:00} min");

    public static string Plain(decimal value) => value.ToString("0.######", CultureInfo.InvariantCulture);

    /// <summary>A chart for <c>admin.js</c>, as the JSON of a <c>data-chart</c> attribute (Razor encodes the attribute).</summary>
    /// <paramref name="markers"/> are the indices of categories that begin something (a budget period): a dashed line
    /// is drawn before each, the last one labelled <paramref name="markerLabel"/>.
    public static string Chart(string type, IEnumerable<string> labels, IEnumerable<ChartSeries> series, bool money = true, bool horizontal = false,
        IReadOnlyList<int>? markers = null, string? markerLabel = null) =>
        JsonSerializer.Serialize(new { type, labels, series, money, horizontal, markers = markers ?? [], markerLabel }, JsonSerializerOptions.Web);
}

internal sealed record ChartSeries(string Label, IReadOnlyList<decimal> Data);
