using OrProject.Bench;
using OrProject.Bench.Load;
using OrProject.Bench.Simulator;

// bench/run.sh drives both halves: `serve` is the upstream simulator, `run` the load tool and the report.
try
{
    return args switch
    {
        ["serve", .. var rest] => await SimulatorServer.RunAsync(new BenchArgs(rest)),
        ["run", .. var rest] => await BenchRun.RunAsync(new BenchArgs(rest)),
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
                                   [--pid NAME=PID ...] [--deltas 50] [--scale 1.0] [--out bench/results]
        """);
    return 2;
}
