using System.Diagnostics;
using OrProject.Bench.Simulator;

namespace OrProject.Bench.Load;

/// <summary>What one scenario measured against one target.</summary>
internal sealed class ScenarioResult(string scenario, string target, bool stream, int concurrency, int requested, Sample[] samples,
    TimeSpan elapsed, bool capped, CpuUsage cpu, IReadOnlyDictionary<string, (double RssMb, double PssMb)>? memory = null)
{
    public string Scenario { get; } = scenario;

    public string Target { get; } = target;

    public bool Stream { get; } = stream;

    public int Concurrency { get; } = concurrency;

    public int Requested { get; } = requested;

    public TimeSpan Elapsed { get; } = elapsed;

    /// <summary>The scenario's time cap ended it before every request was sent.</summary>
    public bool Capped { get; } = capped;

    public CpuUsage Cpu { get; } = cpu;

    /// <summary>Peak RSS and PSS of each side's processes during this scenario (<see cref="ProcessMonitor.Side"/>).</summary>
    public IReadOnlyDictionary<string, (double RssMb, double PssMb)> Memory { get; } = memory ?? new Dictionary<string, (double, double)>();

    public IReadOnlyList<Sample> Samples { get; } = [.. samples.Where(s => s.Done)];

    public int Completed => Samples.Count;

    public int Ok => Samples.Count(s => s.Ok);

    public int Errors => Samples.Count(s => !s.Ok);

    public int Exact => Samples.Count(s => s.Fidelity == Fidelity.Exact);

    public int SameContent => Samples.Count(s => s.Fidelity == Fidelity.SameContent);

    public int Broken => Samples.Count(s => s.Fidelity == Fidelity.Broken);

    public double RequestsPerSecond => Ok / Elapsed.TotalSeconds;

    /// <summary>
    /// One result of a target's rounds of a scenario: every round's samples, their wall times and CPU added up (so the
    /// throughput is the requests of all rounds over their time together), each side's memory peak the highest.
    /// </summary>
    public static ScenarioResult Merge(IReadOnlyList<ScenarioResult> rounds)
    {
        var first = rounds[0];
        var memory = rounds.SelectMany(r => r.Memory).GroupBy(kv => kv.Key)
            .ToDictionary(g => g.Key, g => (g.Max(kv => kv.Value.RssMb), g.Max(kv => kv.Value.PssMb)));
        return new ScenarioResult(first.Scenario, first.Target, first.Stream, first.Concurrency, rounds.Sum(r => r.Requested),
            [.. rounds.SelectMany(r => r.Samples)], TimeSpan.FromTicks(rounds.Sum(r => r.Elapsed.Ticks)), rounds.Any(r => r.Capped),
            rounds.Skip(1).Aggregate(first.Cpu, (sum, r) => sum + r.Cpu), memory);
    }

    public IEnumerable<string> ErrorSamples => Samples.Where(s => !s.Ok && s.Error is not null).Select(s => s.Error!).Distinct().Take(5);

    public double FirstToken(double quantile) => Percentile(Samples.Where(s => s.Ok).Select(s => s.FirstTokenMs), quantile);

    public double Total(double quantile) => Percentile(Samples.Where(s => s.Ok).Select(s => s.TotalMs), quantile);

    /// <summary>The longest wait between two text deltas within one stream, at the given quantile over the streams.</summary>
    public double WorstGap(double quantile) => Percentile(Samples.Where(s => s.Ok).Select(s => s.MaxGapMs), quantile);

    /// <summary>Nearest-rank percentile; NaN when there is nothing to rank.</summary>
    public static double Percentile(IEnumerable<double> values, double quantile)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        var rank = (int)Math.Ceiling(quantile * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}

/// <summary>
/// Runs a bounded number of requests with a fixed number in flight, stopping early at the time cap. Every
/// request is timed on its own; the throughput is the successful requests over the wall time of the whole batch.
/// </summary>
internal sealed class ScenarioRunner(Requests requests, ProcessMonitor monitor, TimeSpan cap)
{
    public async Task<ScenarioResult> RunAsync(string scenario, Target target, bool stream, int concurrency, int count, Pace? pace = null,
        TimeSpan? capOverride = null)
    {
        var samples = new Sample[count];
        var next = -1;
        using var capSource = new CancellationTokenSource(capOverride ?? cap);
        monitor.BeginWindow();
        var before = monitor.Cpu();
        var clock = Stopwatch.StartNew();
        var loops = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count && !capSource.IsCancellationRequested)
            {
                samples[i] = await requests.SendAsync(target, stream, capSource.Token, pace);
            }
        }));
        await Task.WhenAll(loops);
        clock.Stop();
        var cpu = monitor.Cpu() - before;
        return new ScenarioResult(scenario, target.Name, stream, concurrency, count, samples, clock.Elapsed, capSource.IsCancellationRequested, cpu,
            monitor.WindowPeaks());
    }

    /// <summary>
    /// One request at a time, taking the targets in turn (direct, gateway, Portkey, direct, …), so that whatever else
    /// the machine is doing weighs on all alike.
    /// </summary>
    public async Task<IReadOnlyList<ScenarioResult>> RunInterleavedAsync(string scenario, IReadOnlyList<Target> targets, bool stream, int count)
    {
        var samples = targets.Select(_ => new Sample[count]).ToArray();
        var times = new TimeSpan[targets.Count];
        using var capSource = new CancellationTokenSource(cap);
        var before = monitor.Cpu();
        for (var i = 0; i < count && !capSource.IsCancellationRequested; i++)
        {
            for (var t = 0; t < targets.Count; t++)
            {
                var start = Stopwatch.GetTimestamp();
                samples[t][i] = await requests.SendAsync(targets[t], stream, capSource.Token);
                times[t] += Stopwatch.GetElapsedTime(start);
            }
        }

        var cpu = monitor.Cpu() - before;
        var capped = capSource.IsCancellationRequested;
        return [.. targets.Select((target, t) => new ScenarioResult(scenario, target.Name, stream, 1, count, samples[t], times[t], capped, cpu))];
    }
}
