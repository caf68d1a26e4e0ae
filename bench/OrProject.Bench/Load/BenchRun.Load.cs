using System.Globalization;

namespace OrProject.Bench.Load;

/// <summary>The <c>load</c> command: one scenario against one target, for profiling a held gateway.</summary>
internal static partial class BenchRun
{
    /// <summary>One scenario against one target, for profiling: prints throughput, latency and fidelity.</summary>
    public static async Task<int> LoadAsync(BenchArgs args)
    {
        // --portkey-upstream URL: the target is Portkey, told to forward to the simulator at URL.
        var target = args.Get("portkey-upstream") is { } upstream
            ? new Target("target", Base(args.Require("target")), "bench",
            [
                new("x-portkey-provider", "anthropic"),
                new("x-portkey-custom-host", new Uri(Base(upstream), "v1").ToString()),
            ])
            : new Target("target", Base(args.Require("target")), args.Get("key"));
        var stream = !args.Flag("plain");
        var concurrency = args.Int("concurrency", 32);
        var count = args.Int("count", 5000);
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 1024, UseProxy = false, UseCookies = false };
        using var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        // --context-kb N: each request carries a system prompt of about N KiB, as coding agents' requests do.
        var requests = new Requests(http, args.Get("model") ?? "claude-sonnet-4-5", args.Int("deltas", 50), TimeSpan.FromSeconds(30),
            args.Int("context-kb", 0));
        await using var monitor = new ProcessMonitor(new Dictionary<string, int>());
        var runner = new ScenarioRunner(requests, monitor, TimeSpan.FromSeconds(args.Double("cap-seconds", 120)));
        // --long-deltas N (with --long-gap-ms, default 20): paced streams, the long-stream scenario alone.
        var pace = args.Get("long-deltas") is null ? (Simulator.Pace?)null : new Simulator.Pace(args.Int("long-deltas", 100), args.Int("long-gap-ms", 20));
        var r = await runner.RunAsync("load", target, stream, concurrency, count, pace);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{r.Ok} ok, {r.Errors} errors, {r.Broken} broken, {r.SameContent} re-encoded in {r.Elapsed.TotalSeconds:0.00} s: {r.RequestsPerSecond:0} req/s; " +
            $"first token p50 {r.FirstToken(0.5):0.00} p99 {r.FirstToken(0.99):0.00} ms; whole p50 {r.Total(0.5):0.00} p99 {r.Total(0.99):0.00} ms"));
        foreach (var error in r.ErrorSamples)
        {
            Console.WriteLine($"  {error}");
        }

        return r.Errors == 0 ? 0 : 1;
    }
}
