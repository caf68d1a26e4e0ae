using System.Text.RegularExpressions;
using Microsoft.Playwright;
using OrProject.Testing;

namespace OrProject.Admin.Tests.Browser;

/// <summary>
/// A person at a laptop (1366×768): one browser context with its own cookies and one tab, every console error and
/// uncaught exception recorded, screenshots saved under the test output's <c>screenshots/</c>.
/// </summary>
internal sealed class UiSession : IAsyncDisposable
{
    private UiSession(IBrowserContext context, IPage page)
    {
        Context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                Errors.Add($"console error on {page.Url}: {message.Text}");
            }
        };
        page.PageError += (_, error) => Errors.Add($"uncaught exception on {page.Url}: {error}");
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    public List<string> Errors { get; } = [];

    public static async Task<UiSession> OpenAsync(BrowserFixture browser, GatewayFixture gateway, int width = 1366)
    {
        var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = gateway.BaseAddress,
            ViewportSize = new ViewportSize { Width = width, Height = 768 },
        });
        // Generous: the suite runs the end-to-end tests beside these on two cores, and a page can wait its turn.
        context.SetDefaultTimeout(30_000);
        return new UiSession(context, await context.NewPageAsync());
    }

    public async Task SignInAsync(string token = GatewayFixture.AdminToken)
    {
        await Page.GotoAsync("/admin/signin");
        await Page.GetByLabel("Admin token").FillAsync(token);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Page.WaitForLoadStateAsync();
    }

    /// <summary>The page's path, without the query.</summary>
    public string CurrentPath => new Uri(Page.Url).AbsolutePath;

    public Task ShotAsync(string name) =>
        Page.ScreenshotAsync(new PageScreenshotOptions { Path = System.IO.Path.Combine(BrowserFixture.ScreenshotDirectory, name + ".png"), FullPage = true });

    public void AssertNoErrors() => Assert.True(Errors.Count == 0, string.Join('\n', Errors));

    /// <summary>
    /// Waits until the page shows <paramref name="path"/> (after a redirect, say), by polling the page's address the way
    /// Playwright's web-first assertions do. Not a wait for a navigation's load or DOMContentLoaded event: twice in
    /// whole-suite runs the wait for one after a sign-out's redirect timed out (30 s), first for the load event, then for
    /// DOMContentLoaded. What follows asserts with auto-waiting locators, so nothing needs the event itself.
    /// </summary>
    public Task WaitForPathAsync(string path) => Assertions.Expect(Page).ToHaveURLAsync(
        new Regex("^[^?]*" + Regex.Escape(path) + "(\\?.*)?$"), new() { Timeout = 30_000 });

    public ValueTask DisposeAsync() => Context.DisposeAsync();
}
