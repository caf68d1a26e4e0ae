using System.Diagnostics;
using OrProject.Worker;

namespace OrProject.Testing;

/// <summary>
/// A worker as a real operating-system process (the built OrProject.Worker.dll), so a test can SIGKILL it mid-stream
/// the way a crash or an OOM kill would, with no chance to clean up.
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();

    private WorkerProcess(Process process) => _process = process;

    public static async Task<WorkerProcess> StartAsync(IReadOnlyDictionary<string, string?> settings, string id)
    {
        var dll = typeof(WorkerComposition).Assembly.Location;
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

        info.Environment["Worker__Id"] = id;
        info.Environment["Serilog__MinimumLevel__Default"] = "Information";
        info.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        var worker = new WorkerProcess(Process.Start(info)!);
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
            throw new TimeoutException("The worker process did not start:\n" + string.Join("\n", worker._output));
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
