using System.Globalization;

namespace OrProject.Bench.Load;

/// <summary>CPU seconds used by each watched component over an interval (a process and all its descendants).</summary>
internal sealed class CpuUsage(Dictionary<string, double> seconds)
{
    public IReadOnlyDictionary<string, double> Seconds { get; } = seconds;

    public static CpuUsage operator -(CpuUsage after, CpuUsage before) =>
        new(after.Seconds.ToDictionary(kv => kv.Key, kv => kv.Value - before.Seconds.GetValueOrDefault(kv.Key)));

    public static CpuUsage operator +(CpuUsage a, CpuUsage b) =>
        new(a.Seconds.Keys.Union(b.Seconds.Keys).ToDictionary(k => k, k => a.Seconds.GetValueOrDefault(k) + b.Seconds.GetValueOrDefault(k)));
}

/// <summary>
/// Watches the processes of the run from <c>/proc</c>: the resident set (VmRSS) of the Api and Worker processes, of
/// Portkey's node process and of the simulator, sampled every 100 ms, keeping the peak of each and of the gateway's
/// sum, and per window (one scenario) the peak RSS and PSS of each side (<see cref="Side"/>); and CPU time per
/// component (the process tree under each recorded pid, so PostgreSQL's backends and RabbitMQ's Erlang VM count in
/// full), plus this load tool.
/// </summary>
internal sealed class ProcessMonitor : IAsyncDisposable
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux
    private readonly IReadOnlyDictionary<string, int> _pids;
    private readonly string[] _memoryWatched;
    private readonly Dictionary<string, long> _peakKb = [];
    private long _peakPssSumKb;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _peakSumKb;
    private readonly Dictionary<string, (long RssKb, long PssKb)> _window = [];

    /// <summary>The window side of PostgreSQL's and RabbitMQ's process trees together (PSS only).</summary>
    public const string ServersSide = "servers";

    /// <summary>The window side of the Api, the Workers, PostgreSQL and RabbitMQ together (PSS only, summed per sample).</summary>
    public const string GatewayWithServersSide = "gateway with servers";

    private readonly string[] _servers;

    public ProcessMonitor(IReadOnlyDictionary<string, int> pids)
    {
        _pids = pids;
        _memoryWatched = [.. pids.Keys.Where(n => Side(n) is not null)];
        _servers = [.. pids.Keys.Where(n => n is "postgres" or "rabbitmq")];
        _loop = Task.Run(SampleAsync);
    }

    /// <summary>
    /// Which side a process's memory counts for: "gateway" (Api and Workers; RabbitMQ and PostgreSQL are servers it
    /// uses, counted in CPU but not here), "portkey" (its node process) or "direct" (the simulator alone); null for
    /// processes whose memory is not watched.
    /// </summary>
    public static string? Side(string name) => name switch
    {
        "api" => "gateway",
        _ when name.StartsWith("worker", StringComparison.Ordinal) => "gateway",
        "portkey" => "portkey",
        "simulator" => "direct",
        _ => null,
    };

    /// <summary>Starts a new window: <see cref="WindowPeaks"/> then reports the peaks from now on.</summary>
    public void BeginWindow()
    {
        lock (_peakKb)
        {
            _window.Clear();
        }
    }

    /// <summary>Peak RSS and PSS in MB of each side's processes together since <see cref="BeginWindow"/>.</summary>
    public IReadOnlyDictionary<string, (double RssMb, double PssMb)> WindowPeaks()
    {
        lock (_peakKb)
        {
            return _window.ToDictionary(kv => kv.Key, kv => (kv.Value.RssKb / 1024.0, kv.Value.PssKb / 1024.0));
        }
    }

    public IReadOnlyList<string> MemoryWatched => _memoryWatched;

    /// <summary>Peak VmRSS in MB of one process, or of the Api and Workers together ("sum").</summary>
    public double PeakMb(string name)
    {
        lock (_peakKb)
        {
            return (name == "sum" ? _peakSumKb : _peakKb.GetValueOrDefault(name)) / 1024.0;
        }
    }

    /// <summary>
    /// Peak proportional set size of the Api and Workers together, in MB: pages shared with other processes (the
    /// runtime's and the framework's files, mapped by both) counted in shares rather than in full in each.
    /// </summary>
    public double PeakPssSumMb
    {
        get
        {
            lock (_peakKb)
            {
                return _peakPssSumKb / 1024.0;
            }
        }
    }

    public static long RssKb(int pid) => ReadKb($"/proc/{pid}/status", "VmRSS:");

    private static long ReadKb(string file, string field)
    {
        try
        {
            foreach (var line in File.ReadLines(file))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(field.Length).Trim().ToString().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return 0;
    }

    /// <summary>CPU seconds so far of each component's process tree, and of this process ("load tool").</summary>
    public CpuUsage Cpu()
    {
        var stats = ReadAllStats();
        var children = stats.Values.ToLookup(s => s.ParentPid, s => s.Pid);
        var result = new Dictionary<string, double>();
        foreach (var (name, pid) in _pids)
        {
            result[name] = Tree(pid, children).Sum(p => stats.TryGetValue(p, out var stat) ? stat.Ticks : 0) / TicksPerSecond;
        }

        result["load tool"] = Environment.ProcessId is var self && stats.TryGetValue(self, out var me) ? me.Ticks / TicksPerSecond : 0;
        return new CpuUsage(result);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        var tick = 0;
        do
        {
            var withPss = tick++ % 5 == 0; // smaps_rollup walks the page tables: every half second is enough
            var sides = new Dictionary<string, (long RssKb, long PssKb)>();
            foreach (var name in _memoryWatched)
            {
                var kb = RssKb(_pids[name]);
                var pss = withPss ? ReadKb($"/proc/{_pids[name]}/smaps_rollup", "Pss:") : 0;
                var side = Side(name)!;
                var (rssSum, pssSum) = sides.GetValueOrDefault(side);
                sides[side] = (rssSum + kb, pssSum + pss);
                lock (_peakKb)
                {
                    _peakKb[name] = Math.Max(_peakKb.GetValueOrDefault(name), kb);
                }
            }

            if (withPss && _servers.Length > 0)
            {
                // PostgreSQL's and RabbitMQ's trees (backends, the Erlang VM), whose memory the gateway needs too.
                var children = ReadAllStats().Values.ToLookup(s => s.ParentPid, s => s.Pid);
                var servers = _servers.Sum(name => Tree(_pids[name], children).Sum(pid => ReadKb($"/proc/{pid}/smaps_rollup", "Pss:")));
                sides[ServersSide] = (0, servers);
                sides[GatewayWithServersSide] = (0, sides.GetValueOrDefault("gateway").PssKb + servers);
            }

            lock (_peakKb)
            {
                var gateway = sides.GetValueOrDefault("gateway");
                _peakSumKb = Math.Max(_peakSumKb, gateway.RssKb);
                _peakPssSumKb = Math.Max(_peakPssSumKb, gateway.PssKb);
                foreach (var (side, (rss, pss)) in sides)
                {
                    var (peakRss, peakPss) = _window.GetValueOrDefault(side);
                    _window[side] = (Math.Max(peakRss, rss), Math.Max(peakPss, pss));
                }
            }
        }
        while (await WaitAsync(timer));
    }

    private async Task<bool> WaitAsync(PeriodicTimer timer)
    {
        try
        {
            return await timer.WaitForNextTickAsync(_stop.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static IEnumerable<int> Tree(int root, ILookup<int, int> children)
    {
        var stack = new Stack<int>([root]);
        while (stack.Count > 0)
        {
            var pid = stack.Pop();
            yield return pid;
            foreach (var child in children[pid])
            {
                stack.Push(child);
            }
        }
    }

    private readonly record struct ProcStat(int Pid, int ParentPid, long Ticks);

    private static Dictionary<int, ProcStat> ReadAllStats()
    {
        var stats = new Dictionary<int, ProcStat>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var text = File.ReadAllText(Path.Combine(dir, "stat"));
                // Fields after the command name, which is in parentheses and may hold spaces: state ppid … utime stime.
                var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
                var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
                var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                stats[pid] = new ProcStat(pid, parent, ticks);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                // The process ended while we looked.
            }
        }

        return stats;
    }
}
