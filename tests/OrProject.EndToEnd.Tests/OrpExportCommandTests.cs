using System.Diagnostics;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

/// <summary>
/// <c>./orp export</c> as an operator runs it, pointed at the fixture's edge (ORP_HTTP_PORT, ORP_ADMIN_TOKEN): arguments
/// it cannot use are named before anything is sent, dates are read as people write them, and a refusal by the admin
/// API is not reported as "did not answer".
/// </summary>
[Collection(nameof(GatewayCollection))]
public sealed class OrpExportCommandTests(GatewayFixture fixture)
{
    [Theory]
    [InlineData("--format xml", "export: --format 'xml' is not one of jsonl, csv")]
    [InlineData("--from someday", "export: --from 'someday' is not a date or time")]
    [InlineData("--since 2026-01-01", "export: unknown option --since")]
    public async Task Export_ArgumentItCannotUse_NamedAndNothingSent(string arguments, string expected)
    {
        var (exit, output, error) = await OrpAsync("export " + arguments);

        Assert.Equal(1, exit);
        Assert.Equal("", output);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_FromYesterdayForOneStream_WritesItsEventsAsJsonLines()
    {
        var key = await fixture.IssueKeyAsync(name: "exported-" + Guid.NewGuid().ToString("N")[..8]);

        var (exit, output, error) = await OrpAsync($"export --from yesterday --stream {key.Id}");

        Assert.True(exit == 0, error);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("\"KeyIssued\"", line, StringComparison.Ordinal);
        Assert.Contains(key.Id, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_WrongAdminToken_SaysTheApiRefusedNotThatItDidNotAnswer()
    {
        var (exit, _, error) = await OrpAsync("export --format csv", token: "not-the-token");

        Assert.Equal(1, exit);
        Assert.Contains("the admin API refused the request", error, StringComparison.Ordinal);
        Assert.DoesNotContain("did not answer", error, StringComparison.Ordinal);
    }

    private async Task<(int Exit, string Output, string Error)> OrpAsync(string arguments, string token = GatewayFixture.AdminToken)
    {
        var edge = new Uri(fixture.BaseAddress);
        var start = new ProcessStartInfo("bash", $"{Path.Combine(RepositoryRoot(), "orp")} {arguments}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["ORP_HTTP_PORT"] = edge.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["ORP_BIND"] = edge.Host,
                ["ORP_ADMIN_TOKEN"] = token,
            },
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    /// <summary>The checkout the tests were built from: the first directory above the test binaries holding <c>orp</c>.</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "orp")) && File.Exists(Path.Combine(dir.FullName, "OrProject.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("no orp above " + AppContext.BaseDirectory);
    }
}
