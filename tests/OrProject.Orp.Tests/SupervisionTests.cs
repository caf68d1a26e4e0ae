using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace OrProject.Orp.Tests;

/// <summary>
/// Under `./orp up -d`, a worker and then the Api are SIGKILLed; supervisord starts each again and the gateway
/// serves again within 10 s; `./orp status` counts the restarts. The real script, on ports and a data directory of
/// its own (far from ./orp up's and the test servers' defaults), with the binaries ./orp test built (ORP_SKIP_BUILD=1).
/// </summary>
public sealed partial class SupervisionTests(ITestOutputHelper output)
{
    private const int HttpPort = 18380;
    private const int PgPort = 56432;
    private const int RabbitPort = 56672;
    private static readonly TimeSpan ServeAgainWithin = TimeSpan.FromSeconds(10);

    private readonly string root = FindRepositoryRoot();
    private readonly string dataDir = Path.Combine(Path.GetTempPath(), $"orp-supervision-{Guid.NewGuid():N}"[..27]);
    private readonly HttpClient http = new() { BaseAddress = new Uri($"http://127.0.0.1:{HttpPort}") };

    [Fact]
    public async Task KilledWorkerAndApi_AreStartedAgain_AndServeWithinTenSeconds()
    {
        try
        {
            var up = await OrpAsync(TimeSpan.FromMinutes(4), "up", "-d");
            Assert.True(up.ExitCode == 0, $"./orp up -d exited with {up.ExitCode}:\n{up.Output}");

            var key = await IssueKeyAsync();
            Assert.Equal(HttpStatusCode.OK, await SendAsync(key, TimeSpan.FromSeconds(30)));

            var worker = await KillAndWaitForServiceAsync("worker-1", key);
            var api = await KillAndWaitForServiceAsync("api", key);
            output.WriteLine($"serving again {worker.TotalSeconds:F1} s after worker-1 was killed, {api.TotalSeconds:F1} s after the api was");

            // Serving already, but supervisord calls a program STARTING until it has run for its startsecs (3 s):
            // ./orp status says RUNNING (exit 0) a moment later.
            var status = await OrpAsync(TimeSpan.FromSeconds(60), "status");
            for (var deadline = Stopwatch.StartNew(); status.ExitCode != 0 && deadline.Elapsed < TimeSpan.FromSeconds(15);)
            {
                await Task.Delay(500);
                status = await OrpAsync(TimeSpan.FromSeconds(60), "status");
            }

            Assert.True(status.ExitCode == 0, $"./orp status exited with {status.ExitCode}:\n{status.Output}");
            // COMPONENT STATE PID UPTIME RESTARTS ADDRESS
            Assert.Matches(StatusRow("worker-1"), status.Output);
            Assert.Matches(StatusRow("api"), status.Output);
        }
        finally
        {
            var down = await OrpAsync(TimeSpan.FromMinutes(3), "down");
            Assert.True(down.ExitCode == 0, $"./orp down exited with {down.ExitCode}:\n{down.Output}");
            try
            {
                Directory.Delete(dataDir, recursive: true);
            }
            catch (IOException e)
            {
                output.WriteLine($"could not delete {dataDir}: {e.Message}");
            }
        }
    }

    private static Regex StatusRow(string name) => new($@"(?m)^\s*{Regex.Escape(name)}\s+RUNNING\s+\d+\s+\S+\s+1\s");

    /// <summary>SIGKILLs the process in run/NAME.pid, then sends requests until one succeeds; the time that took.</summary>
    private async Task<TimeSpan> KillAndWaitForServiceAsync(string name, string key)
    {
        var pidFile = Path.Combine(dataDir, "run", $"{name}.pid");
        var pid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        using (var process = Process.GetProcessById(pid))
        {
            process.Kill(); // SIGKILL
        }

        var clock = Stopwatch.StartNew();
        var last = "no answer";
        while (clock.Elapsed < ServeAgainWithin)
        {
            try
            {
                var code = await SendAsync(key, ServeAgainWithin - clock.Elapsed);
                if (code == HttpStatusCode.OK && clock.Elapsed < ServeAgainWithin)
                {
                    var newPid = File.ReadAllText(pidFile).Trim();
                    Assert.NotEqual(pid.ToString(System.Globalization.CultureInfo.InvariantCulture), newPid);
                    return clock.Elapsed;
                }

                last = $"HTTP {(int)code}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                last = e.Message;
            }

            await Task.Delay(200);
        }

        var status = await OrpAsync(TimeSpan.FromSeconds(60), "status");
        Assert.Fail($"not serving {ServeAgainWithin.TotalSeconds} s after {name} (pid {pid}) was killed (last: {last});"
            + $" ./orp status:\n{status.Output}\nsupervisord.log:\n{Tail(Path.Combine(dataDir, "logs", "supervisord.log"))}");
        return clock.Elapsed;
    }

    private async Task<string> IssueKeyAsync()
    {
        var token = File.ReadAllText(Path.Combine(dataDir, "admin-token")).Trim();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/api/keys")
        {
            Content = JsonContent.Create(new { name = "supervision", budgetUsd = 10 }),
        };
        request.Headers.Authorization = new("Bearer", token);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }

    /// <summary>A /v1/messages request the simulator answers (no upstream is configured).</summary>
    private async Task<HttpStatusCode> SendAsync(string key, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = new StringContent(
                """{"model":"claude-sonnet-4-5","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}""",
                Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", key);
        request.Headers.Add("anthropic-version", "2023-06-01");
        using var response = await http.SendAsync(request, cancel.Token);
        return response.StatusCode;
    }

    private sealed record OrpResult(int ExitCode, string Output);

    /// <summary>Runs ./orp with this test's environment; its output goes to a file (supervisord, which it starts, must
    /// not hold a pipe of ours), returned with the exit code.</summary>
    private async Task<OrpResult> OrpAsync(TimeSpan timeout, params string[] args)
    {
        Directory.CreateDirectory(dataDir);
        var log = Path.Combine(dataDir, $"orp-{args[0]}-{Guid.NewGuid():N}.log");
        var start = new ProcessStartInfo("bash") { WorkingDirectory = root, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("""log=$1; shift; exec "$@" >"$log" 2>&1 </dev/null""");
        start.ArgumentList.Add("orp");
        start.ArgumentList.Add(log);
        start.ArgumentList.Add(Path.Combine(root, "orp"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var env = start.Environment;
        foreach (var name in env.Keys.Where(k => k.StartsWith("ORP_", StringComparison.Ordinal)
            || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("ConnectionStrings__", StringComparison.Ordinal)
            || k.StartsWith("RabbitMq__", StringComparison.Ordinal)).ToList())
        {
            env.Remove(name);
        }

        env["ORP_DATA_DIR"] = dataDir;
        env["ORP_HTTP_PORT"] = HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        env["ORP_PG_PORT"] = PgPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        env["ORP_RABBIT_PORT"] = RabbitPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        env["ORP_WORKERS"] = "1";
        env["ORP_SKIP_BUILD"] = "1";

        using var process = Process.Start(start)!;
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Assert.Fail($"./orp {string.Join(' ', args)} did not finish within {timeout.TotalSeconds} s:\n{Tail(log)}");
        }

        var text = File.Exists(log) ? await File.ReadAllTextAsync(log) : "";
        output.WriteLine($"$ ./orp {string.Join(' ', args)}  (exit {process.ExitCode})\n{text}");
        return new OrpResult(process.ExitCode, text);
    }

    private static string Tail(string path) =>
        File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(40)) : $"({path} is missing)";

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "orp")) && File.Exists(Path.Combine(dir.FullName, "OrProject.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no repository root (with ./orp) above {AppContext.BaseDirectory}");
    }
}
