using System.Globalization;
using System.Net.Http.Json;
using Marten;
using Microsoft.Playwright;
using OrProject.Contracts.Events;
using OrProject.Projections.Rebuild;
using OrProject.Testing;

namespace OrProject.Admin.Tests.Browser;

[Collection(nameof(AdminUiCollection))]
public sealed class RequestsPageTests(GatewayFixture gateway, BrowserFixture browser)
{
    private const int Recorded = 60;

    // The selects are found by id: a select's accessible name takes in its options' text, here every key's name.
    [Fact]
    public async Task Requests_FromTheKeysPage_FiltersAndPagesTheKeysRowsAt1280()
    {
        var name = "reqlog-" + Guid.NewGuid().ToString("N")[..8];
        var key = await gateway.IssueKeyAsync(budgetUsd: 100m, name: name);
        var start = await RecordAsync(key.Id);
        await MessageAsync(key.Key); // one through the gateway itself, the newest
        var all = await Eventually.ReadAsync(async () => (await gateway.AdminGetAsync($"/admin/api/requests?key={key.Id}&limit=500")).GetArrayLength(),
            count => count == Recorded + 1);
        Assert.Equal(Recorded + 1, all);

        await using var ui = await UiSession.OpenAsync(browser, gateway);
        await ui.Page.SetViewportSizeAsync(1280, 800);
        await ui.SignInAsync();
        await ui.Page.GotoAsync("/admin/keys");
        await ui.Page.Locator("tr", new() { HasText = name }).GetByTitle("This key's requests").ClickAsync();
        await ui.WaitForPathAsync("/admin/requests");
        Assert.Contains($"key={key.Id}", ui.Page.Url, StringComparison.Ordinal);

        // The first page: the newest 50, the gateway's own request on top; the table fits the window.
        var rows = ui.Page.Locator("tbody tr[data-request-id]");
        await Assertions.Expect(rows).ToHaveCountAsync(50);
        await Assertions.Expect(rows.First).ToContainTextAsync("anthropic");
        await Assertions.Expect(rows.First.GetByTestId("outcome")).ToHaveTextAsync("completed 200");
        await Assertions.Expect(ui.Page.Locator("select#key")).ToHaveValueAsync(key.Id);
        await ui.ShotAsync("requests");
        await ui.Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.ScreenshotDirectory, "requests-top.png") });
        Assert.True(await FitsAsync(ui.Page), "the Requests page scrolls sideways at 1280 px");
        var newest = await rows.First.GetAttributeAsync("data-request-id");

        // Older, then newer again.
        await ui.Page.GetByRole(AriaRole.Link, new() { Name = "Older →" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(Recorded + 1 - 50);
        await Assertions.Expect(rows.Last).ToHaveAttributeAsync("data-request-id", RequestId(key.Id, 0));
        await Assertions.Expect(ui.Page.GetByRole(AriaRole.Link, new() { Name = "Older →" })).ToHaveCountAsync(0);
        await ui.ShotAsync("requests-older");
        await ui.Page.GetByRole(AriaRole.Link, new() { Name = "← Newer" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(50);
        await Assertions.Expect(rows.First).ToHaveAttributeAsync("data-request-id", newest!);
        await Assertions.Expect(ui.Page.GetByRole(AriaRole.Link, new() { Name = "← Newer" })).ToHaveCountAsync(0);

        // Outcome: every fourth recorded request was cut short by its client.
        await ui.Page.Locator("select#outcome").SelectOptionAsync("cancelled");
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(Recorded / 4);
        foreach (var outcome in await rows.GetByTestId("outcome").AllTextContentsAsync())
        {
            Assert.Equal("cancelled 499", outcome.Trim());
        }

        // Model (asked or served) with the outcome still set, then a time window.
        await ui.Page.GetByLabel("Model", new() { Exact = true }).FillAsync("claude-haiku-4-5");
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(Enumerable.Range(0, Recorded).Count(i => i % 4 == 0 && i % 3 == 0));
        await ui.Page.Locator("select#outcome").SelectOptionAsync("");
        await ui.Page.GetByLabel("Model", new() { Exact = true }).FillAsync("");
        await ui.Page.GetByLabel("From (UTC)", new() { Exact = true }).FillAsync(Local(start.AddSeconds(10)));
        await ui.Page.GetByLabel("To (UTC)", new() { Exact = true }).FillAsync(Local(start.AddSeconds(20)));
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(10);
        await Assertions.Expect(rows.First).ToHaveAttributeAsync("data-request-id", RequestId(key.Id, 19));
        await Assertions.Expect(rows.Last).ToHaveAttributeAsync("data-request-id", RequestId(key.Id, 10));
        await ui.ShotAsync("requests-filtered");
        Assert.True(await FitsAsync(ui.Page), "the filtered Requests page scrolls sideways at 1280 px");
        ui.AssertNoErrors();
    }

    [Fact]
    public async Task Requests_BadFilter_SaysWhichInsteadOfFailing()
    {
        await using var ui = await UiSession.OpenAsync(browser, gateway);
        await ui.SignInAsync();

        var response = await ui.Page.GotoAsync("/admin/requests?outcome=fine&from=yesterday");

        Assert.Equal(200, response!.Status);
        await Assertions.Expect(ui.Page.Locator("main")).ToContainTextAsync("outcome: expected one of");
        ui.AssertNoErrors();
    }

    private static string RequestId(string keyId, int i) => $"req_{keyId}_{i:000}";

    /// <summary>
    /// <see cref="Recorded"/> charges one second apart, an hour ago, as a worker would record them: every third asked
    /// for haiku, every fourth cut short by its client (499), the others completed.
    /// </summary>
    private async Task<DateTimeOffset> RecordAsync(string keyId)
    {
        var now = DateTimeOffset.UtcNow.AddHours(-1);
        var start = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, TimeSpan.Zero);
        await using var session = gateway.Store.LightweightSession();
        await session.BeginAppendAsync();
        for (var i = 0; i < Recorded; i++)
        {
            var (model, cancelled) = (i % 3 == 0 ? "claude-haiku-4-5" : "claude-sonnet-4-5", i % 4 == 0);
            session.Events.Append(keyId, new UsageRecorded(RequestId(keyId, i), keyId, model, model + "-20250929", "acct_seeded", 1200 + i, 80 + i,
                i % 5 * 100, i % 7 * 1000, 0.0021m + i / 10_000m, cancelled ? "the client disconnected" : "completed", start.AddSeconds(i), 0, 0,
                i % 2 == 0 ? "anthropic" : "chat", i % 3 != 1, cancelled ? 499 : 200, 300 + i, 1500 + 10 * i));
        }

        await session.SaveChangesAsync();
        return start;
    }

    private async Task MessageAsync(string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = JsonContent.Create(new { model = "claude-sonnet-4-5", max_tokens = 20, messages = new[] { new { role = "user", content = "hi" } } }),
        };
        request.Headers.Add("x-api-key", key);
        using var response = await gateway.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>
    /// A datetime-local input's value: the instant in UTC (the page's inputs say UTC), to the second; Chromium writes a
    /// whole minute without its seconds, and Playwright refuses a value the input would not keep as written.
    /// </summary>
    private static string Local(DateTimeOffset at) =>
        at.UtcDateTime.ToString(at.Second == 0 ? "yyyy-MM-ddTHH:mm" : "yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);

    private static Task<bool> FitsAsync(IPage page) =>
        page.EvaluateAsync<bool>("""
            () => document.documentElement.scrollWidth <= window.innerWidth &&
                  [...document.querySelectorAll('.table-wrap')].every(w => w.scrollWidth <= w.clientWidth)
            """);
}
