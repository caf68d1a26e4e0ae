using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrProject.Bench.Load;
using OrProject.Contracts.Events;
using OrProject.Projections.Store;
using OrProject.Projections.Keys;
using OrProject.Projections.Rebuild;

namespace OrProject.Bench.History;

/// <summary>
/// <c>./orp bench history</c>: the event log at scale. Seeds a history (by default 1,000 keys and 1,000,000 events,
/// one hot key with 200,000 of them) through the gateway's own store code, then, against the running gateway:
/// request latency while idle and while a rebuild runs, the rebuild's rate and switch, point-in-time queries on the
/// hot key (checkpointed, and the full fold they replace, checked equal), the export's rate and the edge's memory,
/// and what the log costs on disk per event.
/// </summary>
internal static class HistoryRun
{
    public static async Task<int> RunAsync(BenchArgs args)
    {
        var gateway = new Uri(args.Require("gateway").TrimEnd('/') + "/");
        var key = args.Require("key");
        var adminToken = args.Require("admin-token");
        var postgres = args.Require("postgres");
        var schema = args.Get("schema") ?? "orp";
        var keys = args.Int("keys", 1000);
        var events = args.Int("events", 1_000_000);
        var hot = args.Int("hot", 200_000);
        var apiPid = int.Parse(args.Require("api-pid"), CultureInfo.InvariantCulture);
        var report = new StringBuilder();
        void Line(string text)
        {
            Console.WriteLine(text);
            report.AppendLine(text);
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddOrProjectStore(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Marten"] = postgres,
            ["Marten:Schema"] = schema,
            ["Marten:RunDaemon"] = "false",
        }).Build(), runDaemonByDefault: false);
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<IDocumentStore>();
        var dataSource = provider.GetRequiredService<NpgsqlDataSource>();

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, UseProxy = false }) { BaseAddress = gateway, Timeout = TimeSpan.FromMinutes(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);

        Line($"# History at scale — {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, commit {args.Get("commit") ?? "unknown"}");
        Line("");
        var seedWatch = Stopwatch.StartNew();
        var hotKey = await HistorySeed.SeedAsync(store, dataSource, schema, keys, events, hot);
        var total = await ScalarAsync(dataSource, $"select count(*) from \"{schema}\".mt_events");
        Line($"- history: {total:N0} events over {keys:N0} keys (hot key {hotKey}: {hot:N0}); seeded in {seedWatch.Elapsed.TotalSeconds:N0} s");
        var bytes = await ScalarAsync(dataSource, $"select pg_total_relation_size('\"{schema}\".mt_events') + pg_total_relation_size('\"{schema}\".mt_streams')");
        Line($"- the log on disk: {bytes / 1024.0 / 1024.0:N0} MB, {bytes / (double)total:N0} bytes an event (table, indexes, streams)");

        // Latency of plain requests through the gateway: the whole admission path (key, price, hold) and the charge.
        using var clients = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64, UseProxy = false }) { Timeout = TimeSpan.FromMinutes(1) };
        var requests = new Requests(clients, "claude-sonnet-4-5", args.Int("deltas", 50), TimeSpan.FromSeconds(30));
        var target = new Target("gateway", gateway, key);
        await LatenciesAsync(requests, target, TimeSpan.FromSeconds(5), null); // warm-up

        // First on a quiet system: the rebuild's own rate.
        await QuietAsync(apiPid);
        var quiet = Stopwatch.StartNew();
        if (await RebuildAsync(http.PostAsync("admin/api/projections/rebuild", null)) is not { } json)
        {
            return 1;
        }

        var quietEvents = json.GetProperty("events").GetInt64();
        Line($"- rebuild, nothing else running: {quietEvents:N0} events in {quiet.Elapsed.TotalSeconds:N1} s = {quietEvents / quiet.Elapsed.TotalSeconds:N0} events/s end to end " +
             $"(fold, write, catch-up, switch); appends waited {json.GetProperty("switchMilliseconds")} ms at the switch");
        Line($"  time by phase (ms): {string.Join(", ", json.GetProperty("phaseMilliseconds").EnumerateObject().Select(p => $"{p.Name} {p.Value.GetInt64():N0}"))}");
        Line($"  documents written: {string.Join(", ", json.GetProperty("documents").EnumerateObject().Select(p => $"{p.Name} {p.Value.GetInt32():N0}"))}");

        // Then with four clients sending: what they see while it runs.
        await QuietAsync(apiPid);
        var idle = await LatenciesAsync(requests, target, TimeSpan.FromSeconds(15), null);
        Line($"- request latency, no rebuild (4 clients, plain requests): p50 {Percentile(idle, 50):N1} ms, p99 {Percentile(idle, 99):N1} ms ({idle.Count:N0} requests)");
        var rssBefore = ProcessMonitor.RssKb(apiPid) / 1024.0;
        var peakRss = rssBefore;
        var rebuildWatch = Stopwatch.StartNew();
        var rebuild = http.PostAsync("admin/api/projections/rebuild", null);
        var during = await LatenciesAsync(requests, target, TimeSpan.FromMinutes(30), rebuild, () => peakRss = Math.Max(peakRss, ProcessMonitor.RssKb(apiPid) / 1024.0));
        if (await RebuildAsync(rebuild) is not { } result)
        {
            return 1;
        }

        var rebuildElapsed = rebuildWatch.Elapsed;

        var rebuildEvents = result.GetProperty("events").GetInt64();
        Line($"- rebuild while the clients send: {rebuildEvents:N0} events in {rebuildElapsed.TotalSeconds:N1} s = {rebuildEvents / rebuildElapsed.TotalSeconds:N0} events/s; " +
             $"appends waited {result.GetProperty("switchMilliseconds")} ms at the switch");
        Line($"- edge memory: {rssBefore:N0} MB before the rebuild, {peakRss:N0} MB at its peak (RSS sampled after each request)");
        var failed = during.Count(l => l < 0);
        var ok = during.Where(l => l >= 0).ToList();
        Line($"- request latency during the rebuild: p50 {Percentile(ok, 50):N1} ms, p99 {Percentile(ok, 99):N1} ms ({ok.Count:N0} requests, {failed} failed) " +
             $"— p99 {Percentile(ok, 99) / Percentile(idle, 99):N2}× without");

        // Point in time on the hot key: instants spread over its history, each checked against a full fold.
        await using (var session = store.QuerySession())
        {
            var stamps = await session.Events.FetchStreamAsync(hotKey);
            var instants = Enumerable.Range(1, 20).Select(i => stamps[(int)((long)(stamps.Count - 1) * i / 20)].Timestamp).ToList();
            var checkpointed = new List<double>();
            var full = new List<double>();
            foreach (var instant in instants)
            {
                var watch = Stopwatch.StartNew();
                var asOf = await http.GetFromJsonAsync<JsonElement>($"admin/api/keys/{hotKey}/as-of?at={Uri.EscapeDataString(instant.ToString("O"))}");
                checkpointed.Add(watch.Elapsed.TotalMilliseconds);
                watch.Restart();
                var folded = await session.Events.AggregateStreamAsync<KeyLedger>(hotKey, timestamp: instant);
                full.Add(watch.Elapsed.TotalMilliseconds);
                if (asOf.GetProperty("spentUsd").GetDecimal() != folded!.SpentUsd || asOf.GetProperty("requests").GetInt64() != folded.Requests)
                {
                    Console.Error.WriteLine($"bench: as-of {instant:O} differs from the full fold: {asOf} vs spent {folded.SpentUsd}, {folded.Requests} requests");
                    return 1;
                }
            }

            Line($"- point in time on the hot key (20 instants over its history, through the admin API): p50 {Percentile(checkpointed, 50):N1} ms, " +
                 $"max {checkpointed.Max():N1} ms; the full fold it replaces: p50 {Percentile(full, 50):N0} ms, max {full.Max():N0} ms; all 20 equal");
        }

        // Export of the whole log, read and thrown away as a client would stream it to a file.
        var exportRss = ProcessMonitor.RssKb(apiPid) / 1024.0;
        var exportPeak = exportRss;
        var exportWatch = Stopwatch.StartNew();
        using (var response = await http.GetAsync("admin/api/events/export", HttpCompletionOption.ResponseHeadersRead))
        {
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[1 << 16];
            long lines = 0;
            var sampled = Stopwatch.StartNew();
            int read;
            while ((read = await body.ReadAsync(buffer)) > 0)
            {
                lines += buffer.AsSpan(0, read).Count((byte)'\n');
                if (sampled.ElapsedMilliseconds > 200)
                {
                    exportPeak = Math.Max(exportPeak, ProcessMonitor.RssKb(apiPid) / 1024.0);
                    sampled.Restart();
                }
            }

            Line($"- export (JSON lines, whole log): {lines:N0} events in {exportWatch.Elapsed.TotalSeconds:N1} s = {lines / exportWatch.Elapsed.TotalSeconds:N0} events/s; " +
                 $"edge RSS {exportRss:N0} MB before, {exportPeak:N0} MB at most during");
        }

        var outDir = args.Get("out") ?? "bench/results";
        Directory.CreateDirectory(outDir);
        var file = Path.Combine(outDir, DateTimeOffset.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-history.md");
        await File.WriteAllTextAsync(file, report.ToString());
        Console.WriteLine($"bench: report written to {file}");
        return 0;
    }

    /// <summary>
    /// Plain requests from four clients until <paramref name="until"/> completes (or <paramref name="duration"/> passes);
    /// latencies in milliseconds, -1 for a failure.
    /// </summary>
    private static async Task<List<double>> LatenciesAsync(Requests requests, Target target, TimeSpan duration, Task? until, Action? sample = null)
    {
        var latencies = new List<double>();
        var deadline = Stopwatch.StartNew();
        bool Going() => deadline.Elapsed < duration && until is not { IsCompleted: true };
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (Going())
            {
                var result = await requests.SendAsync(target, stream: false, CancellationToken.None);
                if (!result.Ok)
                {
                    Console.Error.WriteLine($"bench: a request failed: {result.Error}");
                }

                lock (latencies)
                {
                    latencies.Add(result.Ok ? result.TotalMs : -1);
                    sample?.Invoke();
                }
            }
        })));
        return latencies;
    }

    /// <summary>The rebuild's answer, or null (said on stderr) if it failed.</summary>
    private static async Task<JsonElement?> RebuildAsync(Task<HttpResponseMessage> posted)
    {
        using var response = await posted;
        var json = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (response.IsSuccessStatusCode)
        {
            return json;
        }

        Console.Error.WriteLine($"bench: the rebuild failed: {json}");
        return null;
    }

    /// <summary>
    /// Waits until the edge is idle (under a tenth of a core over two seconds, at most three minutes): after seeding,
    /// its projection daemon and checkpoint sweep have history to catch up on, which would muddle every figure.
    /// </summary>
    private static async Task QuietAsync(int pid)
    {
        static double CpuSeconds(int pid)
        {
            var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }

        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromMinutes(3))
        {
            var before = CpuSeconds(pid);
            await Task.Delay(2000);
            if (CpuSeconds(pid) - before < 0.2)
            {
                return;
            }
        }
    }

    private static double Percentile(List<double> values, int percentile)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(percentile / 100.0 * sorted.Count) - 1)];
    }

    internal static async Task<long> ScalarAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}
