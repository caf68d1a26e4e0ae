using System.Globalization;
using OrProject.Bench.Load;

namespace OrProject.Bench.Reporting;

/// <summary>The report's sections for the long streams and the agent-sized requests: one row a metric, every side.</summary>
internal sealed partial class BenchReport
{
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
        void Add(string metric, Func<ScenarioResult, double> f, Func<double, string> format, string target = "",
            Func<double, double, double, bool?>? met = null)
        {
            var (dv, gv, pv) = (f(d), f(g), p is null ? double.NaN : f(p));
            rows.Add(new Row(metric, format(dv), format(gv), Times(gv, dv), target, met?.Invoke(dv, gv, pv), p is null ? "" : format(pv),
                p is null ? "" : Times(gv, pv)));
        }

        Add("whole stream p50 (ms)", r => r.Total(0.5), Ms, $"≤ {LongStreamOverDirectTarget:0.00}× direct's",
            (dv, gv, _) => gv <= LongStreamOverDirectTarget * dv);
        Add("whole stream p99 (ms)", r => r.Total(0.99), Ms);
        Add("time to first token p50 (ms)", r => r.FirstToken(0.5), Ms);
        Add("worst gap between two tokens p50 (ms)", r => r.WorstGap(0.5), Ms);
        Add("worst gap between two tokens p99 (ms)", r => r.WorstGap(0.99), Ms);
        Add("CPU per 1,000 streams, own processes (s)", r => CpuPer1000(r, OwnProcesses(r)), Sec, p is null ? "" : "≤ Portkey's",
            (_, gv, pv) => double.IsNaN(pv) ? null : gv <= pv);
        foreach (var component in g.Cpu.Seconds.Keys.Where(IsGatewayComponent))
        {
            rows.Add(new Row($"  CPU per 1,000 streams, {component} (s)", "", Sec(CpuPer1000(g, n => n == component)), "", "", null));
        }

        Add("  CPU per 1,000 streams, simulator (s)", r => CpuPer1000(r, n => n == "simulator"), Sec);
        Add("  CPU per 1,000 streams, load tool (s)", r => CpuPer1000(r, n => n == "load tool"), Sec);
        string Side(ScenarioResult r) => r.Target == "direct" ? "direct" : r.Target;
        Add("peak RSS, own processes (MB)", r => r.Memory.TryGetValue(Side(r), out var m) ? m.RssMb : double.NaN, Mb);
        Add("peak PSS, own processes (MB)", r => r.Memory.TryGetValue(Side(r), out var m) && m.PssMb > 0 ? m.PssMb : double.NaN, Mb);
        if (g.Memory.TryGetValue(ProcessMonitor.ServersSide, out var servers) && servers.PssMb > 0 &&
            g.Memory.TryGetValue(ProcessMonitor.GatewayWithServersSide, out var whole))
        {
            rows.Add(new Row("  peak PSS, PostgreSQL + RabbitMQ (MB)", "", Mb(servers.PssMb), "", "", null));
            rows.Add(new Row("  peak PSS, Api + Workers + PostgreSQL + RabbitMQ (MB)", "", Mb(whole.PssMb), "", $"< {ServersPssTargetMb} MB",
                whole.PssMb < ServersPssTargetMb));
        }

        rows.Add(Answered(d, g, p));
        return rows;
    }

    /// <summary>
    /// The agent-sized requests: what a 100 KB request costs on its way through (read, translate, dispatch, send on),
    /// which the bench's other requests, a few hundred bytes each, do not show. Each side's CPU is its own processes'.
    /// </summary>
    public IReadOnlyList<Row> AgentRows()
    {
        if (Find(AgentScenario, "gateway") is not { } g || Find(AgentScenario, "direct") is not { } d)
        {
            return [];
        }

        var p = Find(AgentScenario, "portkey");
        var rows = new List<Row>();
        void Add(string metric, Func<ScenarioResult, double> f, Func<double, string> format)
        {
            var (dv, gv, pv) = (f(d), f(g), p is null ? double.NaN : f(p));
            rows.Add(new Row(metric, format(dv), format(gv), Times(gv, dv), "", null, p is null ? "" : format(pv), p is null ? "" : Times(gv, pv)));
        }

        Add("time to first token p50 (ms)", r => r.FirstToken(0.5), Ms);
        Add("whole stream p50 (ms)", r => r.Total(0.5), Ms);
        Add("streams per second", r => r.RequestsPerSecond, v => v.ToString("0", CultureInfo.InvariantCulture));
        Add("CPU per request, own processes (ms)", r => CpuPer1000(r, OwnProcesses(r)), Sec);
        foreach (var component in g.Cpu.Seconds.Keys.Where(IsGatewayComponent))
        {
            rows.Add(new Row($"  CPU per request, {component} (ms)", "", Sec(CpuPer1000(g, n => n == component)), "", "", null));
        }

        rows.Add(Answered(d, g, p));
        return rows;
    }

    /// <summary>
    /// A side's own processes, whose CPU its row counts: the gateway's components, Portkey's node process, or for direct
    /// the simulator alone.
    /// </summary>
    private static Func<string, bool> OwnProcesses(ScenarioResult r) => r.Target switch
    {
        "gateway" => IsGatewayComponent,
        "portkey" => n => n == "portkey",
        _ => n => n == "simulator",
    };

    /// <summary>The section's last row: how many streams each side answered whole, and how many failed.</summary>
    private static Row Answered(ScenarioResult d, ScenarioResult g, ScenarioResult? p) =>
        new("streams answered whole / errors", $"{d.Ok} / {d.Errors}", $"{g.Ok} / {g.Errors}", "", "", null, p is null ? "" : $"{p.Ok} / {p.Errors}");
}
