using System.Globalization;
using OrProject.Bench.Load;

namespace OrProject.Bench.Reporting;

/// <summary>
/// One comparison row: the same metric measured directly and through the gateway, and the target if any; and through
/// Portkey, with the gateway's figure against Portkey's, when the run had it.
/// </summary>
internal sealed record Row(string Metric, string Direct, string Gateway, string Difference, string Target, bool? Met, string Portkey = "",
    string VsPortkey = "");

/// <summary>Everything a run measured, printed as a table and written as a markdown report.</summary>
internal sealed partial class BenchReport
{
    // The targets of the return-channel work: what the gateway may add to calling the upstream directly, and how it
    // must compare with a peer gateway (Portkey) measured in the same run.
    private const double TtftTargetMs = 2.0;
    private const double PlainOverPortkeyTargetMs = 1.0;
    private const double ThroughputOverPortkeyTarget = 1.5;
    private const double LongStreamOverDirectTarget = 1.10;
    private const double ServersPssTargetMb = 400;

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset FinishedAt { get; set; }

    public string LoadAtStart { get; init; } = "";

    public string LoadAtEnd { get; set; } = "";

    public int Deltas { get; init; }

    public string Model { get; init; } = "";

    public string Commit { get; init; } = "";

    public int Workers { get; init; }

    public string? Note { get; init; }

    /// <summary>The Portkey version measured alongside; null when the run left it out.</summary>
    public string? PortkeyVersion { get; init; }

    public Simulator.Pace LongPace { get; init; }

    public const string LongScenario = "long streams";

    /// <summary>Streams whose requests are the size coding agents send (<see cref="AgentContextKb"/> KiB of system prompt).</summary>
    public const string AgentScenario = "agent c=8";

    /// <summary>The agent scenario's system prompt, KiB (<c>ORP_BENCH_CONTEXT_KB</c>).</summary>
    public int AgentContextKb { get; init; }

    /// <summary>The streams at 32 in flight spread over <paramref name="keys"/> keys (the gateway only).</summary>
    public static string ManyKeysScenario(int keys) => $"stream c=32, {keys} keys";

    public IReadOnlyList<ScenarioResult> Results { get; set; } = [];

    public IReadOnlyDictionary<string, double> PeakRssMb { get; set; } = new Dictionary<string, double>();

    public IReadOnlyDictionary<string, double> IdleRssMb { get; set; } = new Dictionary<string, double>();

    public double PeakPssSumMb { get; set; }

    /// <summary>Api + Worker CPU ms per request in each warm-up round through the gateway.</summary>
    public IReadOnlyList<double> WarmUp { get; set; } = [];

    public long GatewayAnswered { get; set; }

    /// <summary>The key's request counter after the run; -1 when it was not checked.</summary>
    public long UsageRecorded { get; set; } = -1;

    private ScenarioResult Get(string scenario, string target) => Results.Single(r => r.Scenario == scenario && r.Target == target);

    private ScenarioResult? Find(string scenario, string target) => Results.SingleOrDefault(r => r.Scenario == scenario && r.Target == target);

    private bool HasPortkey => PortkeyVersion is not null;

    /// <summary>The gateway's figure as a multiple of another's (direct's or Portkey's).</summary>
    private static string Times(double gateway, double other) =>
        double.IsNaN(gateway) || double.IsNaN(other) || other <= 0 ? "–" : (gateway / other).ToString("0.00×", CultureInfo.InvariantCulture);

    /// <summary>Adds Portkey's figure for the same metric and the gateway's against it (higher-is-better metrics say so).</summary>
    private Row WithPortkey(Row row, string scenario, Func<ScenarioResult, double> metric, Func<double, string> format, bool higherIsBetter = false)
    {
        if (!HasPortkey || Find(scenario, "portkey") is not { } p)
        {
            return row;
        }

        var pv = metric(p);
        var gv = metric(Get(scenario, "gateway"));
        return row with
        {
            Portkey = format(pv),
            VsPortkey = higherIsBetter ? $"{Times(gv, pv)} of Portkey's" : $"{Times(gv, pv)} Portkey's",
        };
    }

    public IReadOnlyList<Row> Rows()
    {
        var rows = new List<Row>();
        foreach (var (scenario, quantile, target) in new[]
                 {
                     ("stream c=1", 0.5, true), ("stream c=1", 0.99, false), ("stream c=32", 0.5, false), ("stream c=32", 0.99, false),
                     ("stream c=128", 0.5, false), ("stream c=128", 0.99, false),
                 })
        {
            var d = Get(scenario, "direct").FirstToken(quantile);
            var g = Get(scenario, "gateway").FirstToken(quantile);
            rows.Add(WithPortkey(new Row($"time to first token p{quantile * 100:0}, {scenario} (ms)", Ms(d), Ms(g), Added(g - d),
                target ? $"≤ +{TtftTargetMs:0} ms" : "", target ? g - d <= TtftTargetMs : null), scenario, r => r.FirstToken(quantile), Ms));
        }

        foreach (var quantile in new[] { 0.5, 0.99 })
        {
            var d = Get("stream c=1", "direct").Total(quantile);
            var g = Get("stream c=1", "gateway").Total(quantile);
            rows.Add(WithPortkey(new Row($"whole stream p{quantile * 100:0}, stream c=1 (ms)", Ms(d), Ms(g), Added(g - d), "", null),
                "stream c=1", r => r.Total(quantile), Ms));
        }

        foreach (var quantile in new[] { 0.5, 0.99 })
        {
            var d = Get("plain c=1", "direct").Total(quantile);
            var g = Get("plain c=1", "gateway").Total(quantile);
            var p = quantile == 0.5 && Find("plain c=1", "portkey") is { } peer ? peer.Total(quantile) : double.NaN;
            rows.Add(WithPortkey(new Row($"plain request latency p{quantile * 100:0}, c=1 (ms)", Ms(d), Ms(g), Added(g - d),
                    double.IsNaN(p) ? "" : $"≤ Portkey's +{PlainOverPortkeyTargetMs:0} ms", double.IsNaN(p) ? null : g <= p + PlainOverPortkeyTargetMs),
                "plain c=1", r => r.Total(quantile), Ms));
        }

        foreach (var scenario in new[] { "stream c=32", "stream c=128" })
        {
            var d = Get(scenario, "direct");
            var g = Get(scenario, "gateway");
            var ratio = g.RequestsPerSecond / d.RequestsPerSecond;
            var peer = scenario == "stream c=32" ? Find(scenario, "portkey") : null;
            rows.Add(WithPortkey(new Row($"throughput, {scenario} (req/s)", Rps(d), Rps(g), $"{ratio * 100:0.0} % of direct",
                peer is null ? "" : $"≥ {ThroughputOverPortkeyTarget:0.0}× Portkey's",
                peer is null ? null : g.RequestsPerSecond >= ThroughputOverPortkeyTarget * peer.RequestsPerSecond), scenario, r => r.RequestsPerSecond,
                v => v.ToString("0", CultureInfo.InvariantCulture), higherIsBetter: true));
        }

        if (Results.FirstOrDefault(r => r.Target == "gateway" && r.Scenario.StartsWith("stream c=32, ", StringComparison.Ordinal)) is { } many)
        {
            var oneKey = Get("stream c=32", "gateway");
            rows.Add(new Row($"throughput, {many.Scenario} (req/s)", "", Rps(many),
                $"{many.RequestsPerSecond / oneKey.RequestsPerSecond * 100:0} % of one key's", "", null));
        }

        var d128 = Get("stream c=128", "direct");
        var g128 = Get("stream c=128", "gateway");
        rows.Add(new Row("errors, stream c=128", Errors(d128), Errors(g128), "", "0", g128.Errors == 0 && !g128.Capped,
            Find("stream c=128", "portkey") is { } p128 ? Errors(p128) : ""));
        var direct = Results.Where(r => r.Target == "direct").ToList();
        var gateway = Results.Where(r => r.Target == "gateway").ToList();
        var portkey = Results.Where(r => r.Target == "portkey").ToList();
        rows.Add(new Row("errors, all scenarios", $"{direct.Sum(r => r.Errors)} of {direct.Sum(r => r.Completed)}",
            $"{gateway.Sum(r => r.Errors)} of {gateway.Sum(r => r.Completed)}", "", "", null,
            HasPortkey ? $"{portkey.Sum(r => r.Errors)} of {portkey.Sum(r => r.Completed)}" : ""));
        var pStreams = portkey.Where(r => r.Stream).ToList();
        var dStreams = direct.Where(r => r.Stream).ToList();
        var gStreams = gateway.Where(r => r.Stream).ToList();
        rows.Add(new Row("streams byte-identical to the simulator's", Fraction(dStreams.Sum(r => r.Exact), dStreams.Sum(r => r.Completed)),
            Fraction(gStreams.Sum(r => r.Exact), gStreams.Sum(r => r.Completed)),
            gStreams.Sum(r => r.SameContent) is > 0 and var same ? $"{same} same events and text, other bytes" : "",
            "every byte, in order", gStreams.All(r => r.Exact == r.Completed),
            HasPortkey ? Fraction(pStreams.Sum(r => r.Exact), pStreams.Sum(r => r.Completed)) : ""));
        var dPlain = direct.Where(r => !r.Stream).ToList();
        var gPlain = gateway.Where(r => !r.Stream).ToList();
        rows.Add(new Row("plain answers with the simulator's text", Fraction(dPlain.Sum(r => r.Exact), dPlain.Sum(r => r.Completed)),
            Fraction(gPlain.Sum(r => r.Exact), gPlain.Sum(r => r.Completed)), "", "", null));
        if (UsageRecorded >= 0)
        {
            rows.Add(new Row("requests recorded in their keys' ledgers", "", $"{UsageRecorded} of {GatewayAnswered}", "",
                "each once", UsageRecorded == GatewayAnswered));
        }

        foreach (var (name, mb) in PeakRssMb.Where(kv => kv.Key != "sum"))
        {
            var idle = IdleRssMb.TryGetValue(name, out var i) ? $"{i:0} after the run" : "";
            switch (ProcessMonitor.Side(name))
            {
                case "gateway":
                    rows.Add(new Row($"peak RSS {name} (MB)", "", $"{mb:0}", idle, "", null));
                    break;
                case "portkey":
                    rows.Add(new Row($"peak RSS {name} (MB)", "", "", "", "", null, $"{mb:0}", idle));
                    break;
                default:
                    rows.Add(new Row($"peak RSS {name} (MB)", $"{mb:0}", "", idle, "", null));
                    break;
            }
        }

        if (PeakRssMb.TryGetValue("sum", out var sum))
        {
            rows.Add(new Row("peak RSS Api + Worker(s) together (MB)", "", $"{sum:0}", "", "", null));
            rows.Add(new Row("peak PSS Api + Worker(s) together (MB)", "", $"{PeakPssSumMb:0}", "shared pages in shares", "", null));
        }

        return rows;
    }

    /// <summary>CPU milliseconds per successful request, by component, for the concurrent gateway and direct runs.</summary>
    public IReadOnlyList<(string Scenario, IReadOnlyList<(string Component, double MsPerRequest)> Cpu, double Wall)> CpuPerRequest() =>
        [.. Results.Where(r => r.Concurrency > 1 && r.Scenario != LongScenario).Select(r => (
            $"{r.Target}, {r.Scenario}",
            (IReadOnlyList<(string, double)>)[.. r.Cpu.Seconds.Where(kv => r.Target == "gateway" ? kv.Key != "portkey" : kv.Key is "simulator" or "load tool" || kv.Key == r.Target)
                .Select(kv => (kv.Key, kv.Value * 1000 / Math.Max(1, r.Ok)))],
            r.Elapsed.TotalMilliseconds * Environment.ProcessorCount / Math.Max(1, r.Ok)))];

    /// <summary>The gateway's components, whose CPU is the gateway's cost (the simulator's is the upstream's, in every run).</summary>
    private static bool IsGatewayComponent(string name) =>
        name is "api" or "rabbitmq" or "postgres" || name.StartsWith("worker", StringComparison.Ordinal);

    /// <summary>CPU seconds per 1,000 successful streams of one component in one run.</summary>
    private static double CpuPer1000(ScenarioResult r, Func<string, bool> component) =>
        r.Ok == 0 ? double.NaN : r.Cpu.Seconds.Where(kv => component(kv.Key)).Sum(kv => kv.Value) * 1000 / r.Ok;

    private static string Sec(double value) => double.IsNaN(value) ? "–" : value.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Mb(double value) => double.IsNaN(value) ? "–" : value.ToString("0", CultureInfo.InvariantCulture);

    private static string Ms(double value) => double.IsNaN(value) ? "–" : value.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Added(double value) => double.IsNaN(value) ? "–" : value.ToString("+0.00 ms;−0.00 ms", CultureInfo.InvariantCulture);

    private static string Rps(ScenarioResult r) => r.RequestsPerSecond.ToString("0", CultureInfo.InvariantCulture) + (r.Capped ? " (cap)" : "");

    private static string Errors(ScenarioResult r) => $"{r.Errors} of {r.Completed}{(r.Capped ? " (cap)" : "")}";

    private static string Fraction(int part, int whole) => $"{part} of {whole}";
}
