using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using OrProject.Bench.Reporting;

namespace OrProject.Bench.Load;

/// <summary>
/// One benchmark run: sanity check, warm-up, then the same scenarios against the simulator directly, through the
/// gateway and through the peer gateway (Portkey, when given), the long streams, the usage check, and the report.
/// Request counts are bounded and every scenario has a time cap.
/// </summary>
internal static partial class BenchRun
{
    public static async Task<int> RunAsync(BenchArgs args)
    {
        var direct = new Target("direct", Base(args.Require("direct")), null);
        var gateway = new Target("gateway", Base(args.Require("gateway")), args.Require("key"));
        // Portkey picks provider and host from the request's headers; the Anthropic base URL it expects ends in /v1
        // (it appends /messages), and it passes x-api-key on to the upstream, which the simulator does not check.
        var portkey = args.Get("portkey") is { } portkeyUrl
            ? new Target("portkey", Base(portkeyUrl), "bench",
            [
                new("x-portkey-provider", "anthropic"),
                new("x-portkey-custom-host", new Uri(direct.BaseAddress, "v1").ToString()),
            ])
            : null;
        Target[] targets = portkey is null ? [direct, gateway] : [direct, gateway, portkey];
        var streams = args.Int("streams", 400);
        var longPace = new Simulator.Pace(args.Int("long-deltas", 100), args.Int("long-gap-ms", 20));
        var deltas = args.Int("deltas", 50);
        var scale = args.Double("scale", 1.0);
        var model = args.Get("model") ?? "claude-sonnet-4-5";
        var cap = TimeSpan.FromSeconds(args.Double("cap-seconds", 60));
        var pids = args.All("pid").Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => int.Parse(p[1], CultureInfo.InvariantCulture));
        int Count(int n) => Math.Max(1, (int)Math.Round(n * scale));

        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 1024,
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        using var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        var requests = new Requests(http, model, deltas, TimeSpan.FromSeconds(120));
        var report = new BenchReport
        {
            StartedAt = DateTimeOffset.UtcNow,
            LoadAtStart = LoadAverage(),
            Deltas = deltas,
            Model = model,
            Commit = args.Get("commit") ?? "unknown",
            Workers = pids.Keys.Count(k => k.StartsWith("worker", StringComparison.Ordinal)),
            Note = args.Get("note"),
            PortkeyVersion = portkey is null ? null : args.Get("portkey-version") ?? "?",
            LongPace = longPace,
            AgentContextKb = args.Int("context-kb", 100),
        };

        Say($"sanity check: one stream and one plain request to each of {string.Join(", ", targets.Select(t => t.BaseAddress))}");
        foreach (var target in targets)
        {
            foreach (var stream in new[] { true, false })
            {
                var sample = await requests.SendAsync(target, stream, CancellationToken.None);
                if (!sample.Ok)
                {
                    Console.Error.WriteLine($"bench: the {target.Name} target failed a {(stream ? "stream" : "plain")} request: {sample.Error}");
                    return 1;
                }
            }
        }

        await using var monitor = new ProcessMonitor(pids);
        var runner = new ScenarioRunner(requests, monitor, cap);

        Say($"warm-up, not measured: {Count(3000)} streams and {Count(300)} plain requests direct");
        await runner.RunAsync("warm-up", direct, stream: true, 32, Count(3000));
        await runner.RunAsync("warm-up", direct, stream: false, 4, Count(300));
        report.WarmUp = await WarmUpGatewayAsync(runner, gateway, monitor, Count(1000));
        await runner.RunAsync("warm-up", gateway, stream: false, 4, Count(300));
        if (portkey is not null)
        {
            // Node's JIT warms up too: the same as direct gets, which is several times what its CPU settles in.
            Say($"warm-up, not measured: {Count(3000)} streams and {Count(300)} plain requests through Portkey");
            await runner.RunAsync("warm-up", portkey, stream: true, 32, Count(3000));
            await runner.RunAsync("warm-up", portkey, stream: false, 4, Count(300));
        }

        var names = string.Join(", ", targets.Select(t => t.Name));
        Say($"streams, one at a time, taking {names} in turn ({Count(300)} each)");
        var results = new List<ScenarioResult>(await runner.RunInterleavedAsync("stream c=1", targets, stream: true, Count(300)));
        Say($"plain requests, one at a time, in turn ({Count(300)} each)");
        results.AddRange(await runner.RunInterleavedAsync("plain c=1", targets, stream: false, Count(300)));
        // In rounds, the targets in turn: a throughput ratio is taken from runs minutes apart, and a shared machine's speed
        // drifts over minutes (direct's own figure at 32 in flight was 6,551 and 3,884 streams a second in two runs 80
        // minutes apart); taken in turn, the drift weighs on every target alike.
        const int Rounds = 3;
        foreach (var (concurrency, count) in new[] { (32, Count(3000)), (128, Count(4000)) })
        {
            var rounds = targets.ToDictionary(t => t.Name, _ => new List<ScenarioResult>());
            for (var round = 1; round <= Rounds; round++)
            {
                var share = count / Rounds + (round <= count % Rounds ? 1 : 0); // the rounds add up to count
                foreach (var target in targets)
                {
                    Say($"streams at concurrency {concurrency}, round {round} of {Rounds}: {share} requests {target.Name}");
                    rounds[target.Name].Add(await runner.RunAsync($"stream c={concurrency}", target, stream: true, concurrency, share));
                }
            }

            results.AddRange(targets.Select(t => ScenarioResult.Merge(rounds[t.Name])));
        }

        // The long streams: many answers open at once, each paced like a model's tokens, so what counts is what the
        // gateway costs while it holds streams open (CPU per stream, memory, stalls), not how fast it can relay.
        var longCount = Math.Max(streams, Count(streams * 4));
        foreach (var target in targets)
        {
            Say($"long streams: {longCount} streams of {longPace.Deltas} deltas {longPace.GapMs} ms apart, {streams} at a time, {target.Name}");
            results.Add(await runner.RunAsync(BenchReport.LongScenario, target, stream: true, streams, longCount, longPace,
                TimeSpan.FromMinutes(5)));
        }

        // Requests the size coding agents send: their instructions, tools and files make 50-200 KB of JSON, which every
        // step that reads, translates or re-encodes the body pays for; the requests above are a few hundred bytes. After
        // the long streams: the large-object heap these leave behind would count in the long streams' memory.
        var agentKb = args.Int("context-kb", 100);
        var agentRequests = new Requests(http, model, deltas, TimeSpan.FromSeconds(120), agentKb);
        if (agentKb > 0)
        {
            var agentRunner = new ScenarioRunner(agentRequests, monitor, cap);
            foreach (var target in targets)
            {
                Say($"streams with a {agentKb} KiB system prompt at concurrency 8: {Count(1000)} requests {target.Name}");
                await agentRunner.RunAsync("warm-up", target, stream: true, 8, Count(200));
                results.Add(await agentRunner.RunAsync(BenchReport.AgentScenario, target, stream: true, 8, Count(1000)));
            }
        }

        // The short streams again, spread over many keys, as a gateway serving many teams sees them: the ledger's writes
        // are then for different keys at once, which one key never shows. After the long streams, so that the views'
        // catching up on these requests does not count in their CPU.
        var manyKeys = args.Get("admin-token") is { } token && args.Int("many-keys", 32) is > 1 and var keyCount
            ? await IssueKeysAsync(http, gateway.BaseAddress, token, keyCount)
            : [];
        if (manyKeys.Count > 0)
        {
            var spread = gateway with { Key = string.Join(',', manyKeys.Select(k => k.Key)) };
            Say($"streams at concurrency 32 over {manyKeys.Count} keys: {Count(3000)} requests gateway");
            await runner.RunAsync("warm-up", spread, stream: true, 32, Count(1000));
            results.Add(await runner.RunAsync(BenchReport.ManyKeysScenario(manyKeys.Count), spread, stream: true, 32, Count(3000)));
        }

        report.Results = results;
        report.PeakRssMb = monitor.MemoryWatched.Append("sum").ToDictionary(n => n, monitor.PeakMb);
        report.PeakPssSumMb = monitor.PeakPssSumMb;
        report.IdleRssMb = monitor.MemoryWatched.ToDictionary(n => n, n => ProcessMonitor.RssKb(pids[n]) / 1024.0);
        report.GatewayAnswered = requests.Answered(gateway.Name) + agentRequests.Answered(gateway.Name);

        if (args.Get("key-id") is { } keyId && args.Get("admin-token") is { } adminToken)
        {
            Say("waiting for every gateway request to be recorded in its key's ledger");
            report.UsageRecorded = await RecordedRequestsAsync(http, gateway.BaseAddress, [keyId, .. manyKeys.Select(k => k.Id)], adminToken,
                report.GatewayAnswered);
        }

        report.FinishedAt = DateTimeOffset.UtcNow;
        report.LoadAtEnd = LoadAverage();
        Console.WriteLine();
        Console.WriteLine(report.ToText());
        var outDir = args.Get("out") ?? "bench/results";
        Directory.CreateDirectory(outDir);
        var markdown = report.ToMarkdown();
        var file = Path.Combine(outDir, report.StartedAt.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + ".md");
        await File.WriteAllTextAsync(file, markdown);
        await File.WriteAllTextAsync(Path.Combine(outDir, "latest.md"), markdown);
        Say($"report written to {file} and {Path.Combine(outDir, "latest.md")}");
        return 0;
    }

    /// <summary>
    /// Streams through the gateway in rounds until its processes' CPU per request has settled. A fresh Api spends two
    /// to four times its steady CPU per request for its first ~8,000 requests (tiered JIT with dynamic PGO), with a
    /// plateau on the way, so: at least 8 rounds, then until the last three agree within 15 %, at most 16.
    /// </summary>
    private static async Task<IReadOnlyList<double>> WarmUpGatewayAsync(ScenarioRunner runner, Target gateway, ProcessMonitor monitor, int perRound)
    {
        var cpuPerRequest = new List<double>();
        for (var round = 1; round <= 16; round++)
        {
            var r = await runner.RunAsync("warm-up", gateway, stream: true, 32, perRound);
            var gatewayCpu = r.Cpu.Seconds.Where(kv => kv.Key == "api" || kv.Key.StartsWith("worker", StringComparison.Ordinal)).Sum(kv => kv.Value);
            cpuPerRequest.Add(gatewayCpu * 1000 / Math.Max(1, r.Ok));
            Say(string.Create(CultureInfo.InvariantCulture,
                $"warm-up round {round}: {r.RequestsPerSecond:0} streams/s, Api + Worker CPU {cpuPerRequest[^1]:0.00} ms a request"));
            var last = cpuPerRequest.TakeLast(3).ToList();
            if (round >= 8 && last.Max() <= last.Min() * 1.15)
            {
                break;
            }
        }

        return cpuPerRequest;
    }

    private static Uri Base(string url) => new(url.EndsWith('/') ? url : url + "/");

    private static void Say(string text) => Console.WriteLine($"bench: {text}");

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }

    /// <summary>
    /// The keys' request counters, summed, once they reach <paramref name="expected"/>, or where they stood after 30 s.
    /// </summary>
    private static async Task<long> RecordedRequestsAsync(HttpClient http, Uri gateway, IReadOnlyList<string> keyIds, string adminToken,
        long expected)
    {
        long recorded = -1;
        for (var attempt = 0; attempt < 60; attempt++)
        {
            recorded = 0;
            foreach (var keyId in keyIds)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway, $"admin/api/keys/{keyId}"));
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
                using var response = await http.SendAsync(request);
                if (!response.IsSuccessStatusCode)
                {
                    return -1;
                }

                using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                recorded += doc.RootElement.GetProperty("requests").GetInt64();
            }

            if (recorded >= expected)
            {
                return recorded;
            }

            await Task.Delay(500);
        }

        return recorded;
    }

    /// <summary>Issues <paramref name="count"/> keys for the many-keys scenario through the admin API: their ids and secrets.</summary>
    private static async Task<IReadOnlyList<(string Id, string Key)>> IssueKeysAsync(HttpClient http, Uri gateway, string adminToken, int count)
    {
        var keys = new List<(string, string)>(count);
        for (var i = 1; i <= count; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway, "admin/api/keys"))
            {
                Content = new StringContent($$"""{"name":"bench-many-{{i}}","budgetUsd":1000000}""", System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
            using var response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            keys.Add((doc.RootElement.GetProperty("id").GetString()!, doc.RootElement.GetProperty("key").GetString()!));
        }

        return keys;
    }
}
