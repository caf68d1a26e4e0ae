using Microsoft.Playwright;

namespace OrProject.Admin.Tests.Browser;

/// <summary>
/// One headless Chromium for the browser tests: Debian's <c>/usr/bin/chromium</c> (or <c>ORP_CHROMIUM</c>), driven by
/// Playwright's bundled driver; nothing is downloaded. Missing Chromium fails the tests, it never skips them.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    // As root and on a closed network: no sandbox, no GPU, and none of Chromium's own calls home. Playwright gives
    // each launch a fresh, empty profile directory of its own.
    private static readonly string[] Flags =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    public IPlaywright Playwright { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public static string ExecutablePath => Environment.GetEnvironmentVariable("ORP_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"Chromium is not installed at {ExecutablePath}. Install it with `apt-get install -y chromium` (./orp test does), " +
                "or point ORP_CHROMIUM at a Chromium binary. The browser tests fail rather than skip without it.");
        }

        Directory.CreateDirectory(ScreenshotDirectory);
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = Flags,
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        Playwright?.Dispose();
    }
}
