using System.Globalization;
using System.Text;
using OrProject.Bench.Load;

namespace OrProject.Bench.Reporting;

/// <summary>
/// One comparison row: the same metric measured directly and through the gateway, and the target if any; and through
/// Portkey, with the gateway's figure against Portkey's, when the run had it.
/// </summary>
internal sealed record Row(string Metric, string Direct, string Gateway, string Difference, string Target, bool? Met, string Portkey = "",
    string VsPortkey = "");

/// <summary>Everything a run measured, printed as a table and written as a markdown report.</summary>
internal sealed class BenchReport
{
    private const double TtftTargetMs = 1.0;
    private const double ThroughputTarget = 0.5;
    private const double RssTargetMb = 300;

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
            rows.Add(WithPortkey(new Row($"plain request latency p{quantile * 100:0}, c=1 (ms)", Ms(d), Ms(g), Added(g - d), "", null),
                "plain c=1", r => r.Total(quantile), Ms));
        }

        foreach (var scenario in new[] { "stream c=32", "stream c=128" })
        {
            var d = Get(scenario, "direct");
            var g = Get(scenario, "gateway");
            var ratio = g.RequestsPerSecond / d.RequestsPerSecond;
            rows.Add(WithPortkey(new Row($"throughput, {scenario} (req/s)", Rps(d), Rps(g), $"{ratio * 100:0.0} % of direct",
                $"≥ {ThroughputTarget * 100:0} %", ratio >= ThroughputTarget), scenario, r => r.RequestsPerSecond,
                v => v.ToString("0", CultureInfo.InvariantCulture), higherIsBetter: true));
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
            rows.Add(new Row("requests recorded in the key's ledger", "", $"{UsageRecorded} of {GatewayAnswered}", "",
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
            rows.Add(new Row("peak RSS Api + Worker(s) together (MB)", "", $"{sum:0}", "", $"≤ {RssTargetMb:0} MB", sum <= RssTargetMb));
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

    /// <summary>
    /// The long-stream scenario, one row a metric: direct, Portkey, gateway, and the gateway's figure as a multiple of
    /// direct's and of Portkey's. Each side's CPU is its own processes': the simulator alone for direct, Portkey's node
    /// process, the gateway's Api, Workers, RabbitMQ and PostgreSQL.
    /// </summary>
    public IReadOnlyList<Row> LongRows()
    {
        if (Find(LongScenario, "gateway") is not { } g || Find(LongScenario, "direct") is not { } d)
        {
            return [];
        }

        var p = Find(LongScenario, "portkey");
        var rows = new List<Row>();
        void Add(string metric, Func<ScenarioResult, double> f, Func<double, string> format)
        {
            var (dv, gv, pv) = (f(d), f(g), p is null ? double.NaN : f(p));
            rows.Add(new Row(metric, format(dv), format(gv), Times(gv, dv), "", null, p is null ? "" : format(pv), p is null ? "" : Times(gv, pv)));
        }

        Add("whole stream p50 (ms)", r => r.Total(0.5), Ms);
        Add("whole stream p99 (ms)", r => r.Total(0.99), Ms);
        Add("time to first token p50 (ms)", r => r.FirstToken(0.5), Ms);
        Add("worst gap between two tokens p50 (ms)", r => r.WorstGap(0.5), Ms);
        Add("worst gap between two tokens p99 (ms)", r => r.WorstGap(0.99), Ms);
        Add("CPU per 1,000 streams, own processes (s)", r => CpuPer1000(r, r.Target switch
        {
            "gateway" => IsGatewayComponent,
            "portkey" => n => n == "portkey",
            _ => n => n == "simulator",
        }), Sec);
        foreach (var component in g.Cpu.Seconds.Keys.Where(IsGatewayComponent))
        {
            rows.Add(new Row($"  CPU per 1,000 streams, {component} (s)", "", Sec(CpuPer1000(g, n => n == component)), "", "", null));
        }

        Add("  CPU per 1,000 streams, simulator (s)", r => CpuPer1000(r, n => n == "simulator"), Sec);
        Add("  CPU per 1,000 streams, load tool (s)", r => CpuPer1000(r, n => n == "load tool"), Sec);
        string Side(ScenarioResult r) => r.Target == "direct" ? "direct" : r.Target;
        Add("peak RSS, own processes (MB)", r => r.Memory.TryGetValue(Side(r), out var m) ? m.RssMb : double.NaN, Mb);
        Add("peak PSS, own processes (MB)", r => r.Memory.TryGetValue(Side(r), out var m) && m.PssMb > 0 ? m.PssMb : double.NaN, Mb);
        rows.Add(new Row("streams answered whole / errors", $"{d.Ok} / {d.Errors}", $"{g.Ok} / {g.Errors}", "", "", null,
            p is null ? "" : $"{p.Ok} / {p.Errors}"));
        return rows;
    }

    private static string Sec(double value) => double.IsNaN(value) ? "–" : value.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Mb(double value) => double.IsNaN(value) ? "–" : value.ToString("0", CultureInfo.InvariantCulture);

    private string TextTable(IReadOnlyList<Row> rows, string vsDirect, bool withTarget)
    {
        var header = new Row("metric", "direct", "gateway", vsDirect, withTarget ? "target" : "", null, HasPortkey ? "portkey" : "",
            HasPortkey ? "gateway vs Portkey" : "");
        var all = rows.Prepend(header).ToList();
        int W(Func<Row, string> f) => all.Max(r => f(r).Length);
        var (w0, w1, w2, w3, w4) = (W(r => r.Metric), W(r => r.Direct), W(r => r.Gateway), W(r => r.Difference), W(r => r.Target));
        var (w5, w6) = (W(r => r.Portkey), W(r => r.VsPortkey));
        var text = new StringBuilder();
        foreach (var r in all)
        {
            var met = r == header ? "" : r.Met switch { true => "met", false => "NOT MET", null => "" };
            var peer = HasPortkey ? $"  {r.Portkey.PadLeft(w5)}  {r.VsPortkey.PadRight(w6)}" : "";
            var line = string.Create(CultureInfo.InvariantCulture,
                $"{r.Metric.PadRight(w0)}  {r.Direct.PadLeft(w1)}  {r.Gateway.PadLeft(w2)}  {r.Difference.PadRight(w3)}{peer}  {r.Target.PadRight(w4)}  {met}");
            text.AppendLine(line.TrimEnd());
        }

        return text.ToString();
    }

    public string ToText()
    {
        var text = new StringBuilder();
        text.Append(TextTable(Rows(), "gateway vs direct", withTarget: true));
        if (LongRows() is { Count: > 0 } longRows)
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"long streams ({LongPace.Deltas} deltas {LongPace.GapMs} ms apart, {Find(LongScenario, "gateway")!.Concurrency} at a time):");
            text.Append(TextTable(longRows, "gateway vs direct", withTarget: false));
        }

        text.AppendLine();
        if (WarmUp.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"warm-up through the gateway: {WarmUp.Count} rounds, Api + Worker CPU {WarmUp[0]:0.00} -> {WarmUp[^1]:0.00} ms a request");
        }

        text.AppendLine("CPU ms per request (all processes of each component; 'wall' is the machine's core-ms per request):");
        foreach (var (scenario, cpu, wall) in CpuPerRequest())
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"  {scenario,-22} {string.Join("  ", cpu.Select(c => $"{c.Component} {c.MsPerRequest:0.00}"))}  (wall {wall:0.00})");
        }

        foreach (var r in Results.Where(r => r.Errors > 0 || r.Capped))
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"{r.Target}, {r.Scenario}: {r.Errors} errors{(r.Capped ? ", stopped at the time cap" : "")}: {string.Join(" | ", r.ErrorSamples)}");
        }

        return text.ToString();
    }

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine(HasPortkey
            ? "# Benchmark: the gateway against calling the upstream directly and against Portkey"
            : "# Benchmark: the gateway against calling the upstream directly");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- run: {StartedAt:yyyy-MM-dd HH:mm:ss} UTC, {(FinishedAt - StartedAt).TotalSeconds:0} s of load; commit `{Commit}`");
        md.AppendLine(CultureInfo.InvariantCulture, $"- machine: {Environment.ProcessorCount} cores ({CpuModel()}), {MemoryGb():0} GiB; load average {LoadAtStart} at the start, {LoadAtEnd} at the end");
        md.AppendLine(CultureInfo.InvariantCulture, $"- setup: everything on loopback; simulator answering `{Model}` with {Deltas} text deltas a stream and no pause; gateway = Api + {Workers} Worker process(es), RabbitMQ, PostgreSQL, release build{(HasPortkey ? $"; Portkey = @portkey-ai/gateway {PortkeyVersion} on Node.js {NodeVersion()} (@hono/node-server 1.13.8), forwarding to the same simulator" : "")}");
        if (Note is not null)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- note: {Note}");
        }

        md.AppendLine();
        md.AppendLine(HasPortkey
            ? "| metric | direct | gateway | gateway vs direct | Portkey | gateway vs Portkey | target | |"
            : "| metric | direct | gateway | gateway vs direct | target | |");
        md.AppendLine(HasPortkey ? "|---|--:|--:|---|--:|---|---|---|" : "|---|--:|--:|---|---|---|");
        foreach (var r in Rows())
        {
            var met = r.Met switch { true => "met", false => "**not met**", null => "" };
            var peer = HasPortkey ? $" {r.Portkey} | {r.VsPortkey} |" : "";
            md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Metric} | {r.Direct} | {r.Gateway} | {r.Difference} |{peer} {r.Target} | {met} |");
        }

        if (LongRows() is { Count: > 0 } longRows)
        {
            var g = Find(LongScenario, "gateway")!;
            md.AppendLine();
            md.AppendLine("## Long streams");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture,
                $"{g.Requested} streams to each target, {g.Concurrency} open at a time, each {LongPace.Deltas} text deltas {LongPace.GapMs} ms apart (a");
            md.AppendLine("model's pace), so the figures are what a gateway costs while it holds many answers open. Ratios are the");
            md.AppendLine("gateway's figure as a multiple of the other's. CPU is each side's own processes' (direct: the simulator alone;");
            md.AppendLine("Portkey: its node process; gateway: Api, Workers, RabbitMQ, PostgreSQL); the simulator's and the load tool's");
            md.AppendLine("rows are the same work in every run. Memory is the peak during this scenario of the same processes (RabbitMQ's and");
            md.AppendLine("PostgreSQL's not included).");
            md.AppendLine();
            md.AppendLine(HasPortkey
                ? "| metric | direct | gateway | gateway vs direct | Portkey | gateway vs Portkey |"
                : "| metric | direct | gateway | gateway vs direct |");
            md.AppendLine(HasPortkey ? "|---|--:|--:|--:|--:|--:|" : "|---|--:|--:|--:|");
            foreach (var r in longRows)
            {
                var peer = HasPortkey ? $" {r.Portkey} | {r.VsPortkey} |" : "";
                md.AppendLine(CultureInfo.InvariantCulture, $"| {r.Metric.Trim()} | {r.Direct} | {r.Gateway} | {r.Difference} |{peer}");
            }
        }

        md.AppendLine();
        md.AppendLine("## Where the CPU goes");
        md.AppendLine();
        md.AppendLine("CPU milliseconds per successful request, summed over each component's process tree (`/proc/<pid>/stat`), and the");
        md.AppendLine("wall time per request times the number of cores (the most CPU the machine could have spent on each).");
        md.AppendLine();
        var components = CpuPerRequest().SelectMany(c => c.Cpu.Select(x => x.Component)).Distinct().ToList();
        md.AppendLine($"| run | {string.Join(" | ", components)} | wall × cores |");
        md.AppendLine($"|---|{string.Concat(components.Select(_ => "--:|"))}--:|");
        foreach (var (scenario, cpu, wall) in CpuPerRequest())
        {
            var cells = components.Select(c => cpu.FirstOrDefault(x => x.Component == c) is { Component: not null } x ? x.MsPerRequest.ToString("0.00", CultureInfo.InvariantCulture) : "");
            md.AppendLine(CultureInfo.InvariantCulture, $"| {scenario} | {string.Join(" | ", cells)} | {wall:0.00} |");
        }

        md.AppendLine();
        md.AppendLine("## Scenarios");
        md.AppendLine();
        md.AppendLine("| scenario | target | requests | errors | wall (s) | req/s | first token p50 / p90 / p99 (ms) | whole answer p50 / p90 / p99 (ms) |");
        md.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|");
        foreach (var r in Results)
        {
            var ttft = r.Stream ? $"{Ms(r.FirstToken(0.5))} / {Ms(r.FirstToken(0.9))} / {Ms(r.FirstToken(0.99))}" : "";
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Scenario} | {r.Target} | {r.Completed}{(r.Capped ? " (time cap)" : "")} | {r.Errors} | {r.Elapsed.TotalSeconds:0.00} | {r.RequestsPerSecond:0} | {ttft} | {Ms(r.Total(0.5))} / {Ms(r.Total(0.9))} / {Ms(r.Total(0.99))} |");
        }

        var failing = Results.Where(r => r.Errors > 0).ToList();
        if (failing.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("## Errors");
            md.AppendLine();
            foreach (var r in failing)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- {r.Target}, {r.Scenario}: {r.Errors} — {string.Join("; ", r.ErrorSamples.Select(e => $"`{e}`"))}");
            }
        }

        md.AppendLine();
        md.AppendLine("## How it was measured");
        md.AppendLine();
        md.AppendLine("- Time to first token: from just before the request is sent to the arrival of the first byte of the first");
        md.AppendLine("  `content_block_delta` event. Streams at concurrency 1 and plain requests take the targets in turn (direct, gateway,");
        md.AppendLine("  Portkey) request by request, so background load weighs on all alike; the concurrent runs go one target after another.");
        md.AppendLine("- Portkey: the same requests, with `x-portkey-provider: anthropic` and `x-portkey-custom-host` naming the simulator;");
        md.AppendLine("  it is warmed up like direct (3,000 streams, 300 plain requests) before anything is measured.");
        md.AppendLine("- Long streams: worst gap is, per stream, the longest wait between two reads that brought text deltas; its p99 is");
        md.AppendLine("  over the streams. The simulator waits the given time before each delta after the first, so direct shows the floor.");
        md.AppendLine("- Throughput: successful streamed requests divided by the wall time of the whole batch, a fixed number of requests");
        md.AppendLine("  with the given number always in flight, each on its own keep-alive connection.");
        md.AppendLine("- Fidelity: every streamed body is compared byte for byte with what the simulator sent for that request (its");
        md.AppendLine("  text carries the request's seed, multi-byte UTF-8 and JSON escapes); plain answers must carry the same text.");
        md.AppendLine("- Usage: the gateway key's request counter must equal the number of gateway requests answered with 200.");
        md.AppendLine("- Warm-up, not measured: 3,000 streams and 300 plain requests direct; through the gateway, rounds of 1,000 streams");
        md.AppendLine("  until the Api and Worker CPU per request settles (a fresh Api spends 2-4× its steady CPU per request for its first");
        md.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"  ~8,000 requests while tiered JIT and PGO settle). This run: {WarmUp.Count} rounds, {string.Join(" → ", WarmUp.Select(w => w.ToString("0.00", CultureInfo.InvariantCulture)))} ms a request."));
        md.AppendLine("- RSS: VmRSS of the Api and Worker processes (and Portkey's and the simulator's) sampled every 100 ms over the whole run, including warm-up; their");
        md.AppendLine("  sum counts the runtime's and framework's file pages, mapped by both, twice. PSS (`smaps_rollup`, every 0.5 s)");
        md.AppendLine("  counts shared pages in shares.");
        md.AppendLine("- The load tool, the simulator, the gateway's processes, RabbitMQ and PostgreSQL share the same cores, so the");
        md.AppendLine("  gateway's own work competes with the load it is measured under; on a busy machine absolute figures are noisy");
        md.AppendLine("  and the ratios measured within one run are the figures to compare.");
        md.AppendLine();
        md.AppendLine("Reproduce: `./orp bench` (`ORP_BENCH_SCALE=0.5` for a shorter run; see README.md, Performance).");
        return md.ToString();
    }

    private static string Ms(double value) => double.IsNaN(value) ? "–" : value.ToString("0.00", CultureInfo.InvariantCulture);

    private static string Added(double value) => double.IsNaN(value) ? "–" : value.ToString("+0.00 ms;−0.00 ms", CultureInfo.InvariantCulture);

    private static string Rps(ScenarioResult r) => r.RequestsPerSecond.ToString("0", CultureInfo.InvariantCulture) + (r.Capped ? " (cap)" : "");

    private static string Errors(ScenarioResult r) => $"{r.Errors} of {r.Completed}{(r.Capped ? " (cap)" : "")}";

    private static string Fraction(int part, int whole) => $"{part} of {whole}";

    private static string NodeVersion()
    {
        try
        {
            using var node = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("node", "--version") { RedirectStandardOutput = true });
            var version = node?.StandardOutput.ReadToEnd().Trim();
            node?.WaitForExit();
            return string.IsNullOrEmpty(version) ? "?" : version;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "?";
        }
    }

    private static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private static double MemoryGb()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0 / 1024.0;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
