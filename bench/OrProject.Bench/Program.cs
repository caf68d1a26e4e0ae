using OrProject.Bench;
using OrProject.Bench.History;
using OrProject.Bench.Load;
using OrProject.Bench.Simulator;

// bench/run.sh drives both halves: `serve` is the upstream simulator, `run` the load tool and the report.
try
{
    return args switch
    {
        ["serve", .. var rest] => await SimulatorServer.RunAsync(new BenchArgs(rest)),
        ["run", .. var rest] => await BenchRun.RunAsync(new BenchArgs(rest)),
        ["load", .. var rest] => await BenchRun.LoadAsync(new BenchArgs(rest)),
        ["history", .. var rest] => await HistoryRun.RunAsync(new BenchArgs(rest)),
        _ => Usage(),
    };
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"bench: {ex.Message}");
    return Usage();
}

static int Usage()
{
    Console.Error.WriteLine("""
        usage: OrProject.Bench serve [--port 8479] [--deltas 50]
               OrProject.Bench run --direct URL --gateway URL --key KEY [--key-id ID --admin-token TOKEN]
                                   [--portkey URL --portkey-version V] [--streams 400] [--many-keys 32] [--long-deltas 100] [--long-gap-ms 20]
                                   [--pid NAME=PID ...] [--deltas 50] [--scale 1.0] [--out bench/results]
               OrProject.Bench load --target URL [--key KEY[,KEY...]] [--concurrency 32] [--count 5000] [--plain] [--deltas 50]
                                   (one scenario against one target, e.g. while dotnet-trace or dotnet-counters watch)
               OrProject.Bench history --gateway URL --key KEY --admin-token TOKEN --postgres CONNECTION --api-pid PID
                                   [--schema orp] [--keys 1000] [--events 1000000] [--hot 200000] [--out bench/results]
                                   (the event log at scale: seed, rebuild under load, point in time, export)
        """);
    return 2;
}
