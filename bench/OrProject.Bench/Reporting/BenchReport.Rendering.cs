using System.Globalization;
using System.Text;

namespace OrProject.Bench.Reporting;

/// <summary>How a run is written out: the console table, and the markdown report with the machine it ran on.</summary>
internal sealed partial class BenchReport
{
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
            text.Append(TextTable(longRows, "gateway vs direct", withTarget: true));
        }

        if (AgentRows() is { Count: > 0 } agentRows)
        {
            text.AppendLine();
            text.AppendLine(CultureInfo.InvariantCulture, $"streams with a {AgentContextKb} KiB system prompt, as coding agents send, 8 at a time:");
            text.Append(TextTable(agentRows, "gateway vs direct", withTarget: false));
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
            md.AppendLine("rows are the same work in every run. Memory is the peak during this scenario of the same processes: the");
            md.AppendLine("gateway's own row is the Api and Workers; the rows below it add PostgreSQL's and RabbitMQ's process trees.");
            md.AppendLine();
            AppendScenarioTable(md, longRows, withTarget: true);
        }

        if (AgentRows() is { Count: > 0 } agentRows)
        {
            var g = Find(AgentScenario, "gateway")!;
            md.AppendLine();
            md.AppendLine("## Requests the size coding agents send");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture,
                $"{g.Requested} streams to each target, {g.Concurrency} at a time, each request carrying a {AgentContextKb} KiB system prompt of prose and");
            md.AppendLine("code (quotes, backslashes, line breaks, non-ASCII), as Claude Code's and Codex's requests carry their instructions,");
            md.AppendLine("tools and files: what reading, translating, dispatching and sending on a large body costs, which the other");
            md.AppendLine("scenarios' few-hundred-byte requests do not show. CPU is each side's own processes', as for the long streams.");
            md.AppendLine();
            AppendScenarioTable(md, agentRows, withTarget: false);
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
        md.AppendLine("  Portkey) request by request, so background load weighs on all alike; the concurrent short-stream runs take them in");
        md.AppendLine("  turn in three rounds of a third of the requests each, and report the rounds together; the long and the agent-sized");
        md.AppendLine("  streams go one target after another.");
        md.AppendLine("- Portkey: the same requests, with `x-portkey-provider: anthropic` and `x-portkey-custom-host` naming the simulator;");
        md.AppendLine("  it is warmed up like direct (3,000 streams, 300 plain requests) before anything is measured.");
        md.AppendLine("- Long streams: worst gap is, per stream, the longest wait between two reads that brought text deltas; its p99 is");
        md.AppendLine("  over the streams. The simulator waits the given time before each delta after the first, so direct shows the floor.");
        md.AppendLine("- Throughput: successful streamed requests divided by the wall time of the batches (of the three rounds together),");
        md.AppendLine("  a fixed number of requests with the given number always in flight, each on its own keep-alive connection.");
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

    /// <summary>A scenario section's table: the metric on each side, the ratios, and the target when it has one.</summary>
    private void AppendScenarioTable(StringBuilder md, IReadOnlyList<Row> rows, bool withTarget)
    {
        var peerHeader = HasPortkey ? " Portkey | gateway vs Portkey |" : "";
        var peerRule = HasPortkey ? "--:|--:|" : "";
        md.AppendLine($"| metric | direct | gateway | gateway vs direct |{peerHeader}{(withTarget ? " target | |" : "")}");
        md.AppendLine($"|---|--:|--:|--:|{peerRule}{(withTarget ? "---|---|" : "")}");
        foreach (var r in rows)
        {
            var peer = HasPortkey ? $" {r.Portkey} | {r.VsPortkey} |" : "";
            var met = r.Met switch { true => "met", false => "**not met**", null => "" };
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Metric.Trim()} | {r.Direct} | {r.Gateway} | {r.Difference} |{peer}{(withTarget ? $" {r.Target} | {met} |" : "")}");
        }
    }
}
