using System.Diagnostics;
using OrProject.Worker;

namespace OrProject.Testing;

/// <summary>
/// A worker or an edge as a real operating-system process (the built OrProject.Worker.dll or OrProject.Api.dll), so a
/// test can SIGKILL it mid-stream the way a crash or an OOM kill would, with no chance to clean up.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();

    private HostProcess(Process process) => _process = process;

    /// <summary>The edge's public address (an edge process only).</summary>
    public string? BaseAddress { get; private set; }

    public static Task<HostProcess> StartWorkerAsync(IReadOnlyDictionary<string, string?> settings, string id) =>
        StartAsync(typeof(WorkerComposition).Assembly.Location, settings, new() { ["Worker__Id"] = id, ["ASPNETCORE_URLS"] = "http://127.0.0.1:0" });

    /// <summary>An edge on a free port of its own (its return channel on another, named in its dispatches).</summary>
    public static async Task<HostProcess> StartEdgeAsync(IReadOnlyDictionary<string, string?> settings)
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var url = $"http://127.0.0.1:{port}";
        var edge = await StartAsync(typeof(OrProject.Api.EdgeComposition).Assembly.Location, settings, new() { ["ASPNETCORE_URLS"] = url });
        edge.BaseAddress = url;
        return edge;
    }

    private static async Task<HostProcess> StartAsync(string dll, IReadOnlyDictionary<string, string?> settings, Dictionary<string, string> own)
    {
        var info = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        foreach (var (key, value) in settings)
        {
            info.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        foreach (var (key, value) in own)
        {
            info.Environment[key] = value;
        }

        info.Environment["Serilog__MinimumLevel__Default"] = "Information";
        var worker = new HostProcess(Process.Start(info)!);
        worker._process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                worker._output.Enqueue(e.Data);
            }

            if (e.Data?.Contains("Application started", StringComparison.Ordinal) == true)
            {
                worker._started.TrySetResult();
            }
        };
        worker._process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                worker._output.Enqueue(e.Data);
            }
        };
        worker._process.BeginOutputReadLine();
        worker._process.BeginErrorReadLine();
        try
        {
            // Whichever comes first: started, or exited (a configuration error fails fast and says why).
            await Task.WhenAny(worker._started.Task, worker._process.WaitForExitAsync()).WaitAsync(TimeSpan.FromSeconds(60));
            if (!worker._started.Task.IsCompleted)
            {
                throw new TimeoutException();
            }
        }
        catch (TimeoutException)
        {
            await worker.DisposeAsync();
            throw new TimeoutException($"The process {Path.GetFileName(dll)} did not start:\n" + string.Join("\n", worker._output));
        }

        return worker;
    }

    /// <summary>Whether the process has written a line (log or console, either stream) containing <paramref name="text"/>.</summary>
    public bool HasWritten(string text) => _output.Any(line => line.Contains(text, StringComparison.Ordinal));

    /// <summary>SIGKILL: no shutdown hooks, no acks, no goodbye to the broker beyond the socket closing.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
