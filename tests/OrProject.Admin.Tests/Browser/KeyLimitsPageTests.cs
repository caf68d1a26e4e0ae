using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using OrProject.Testing;

namespace OrProject.Admin.Tests.Browser;

/// <summary>A key's limits and budget period in the panel (at 1280 px, the narrowest window it is made for) and on the usage page.</summary>
[Collection(nameof(AdminUiCollection))]
public sealed class KeyLimitsPageTests(GatewayFixture gateway, BrowserFixture browser)
{
    [Fact]
    public async Task KeysPage_At1280_TableFitsWithItsActionsInView()
    {
        var key = await gateway.IssueKeyAsync(budgetUsd: 1234.56m, name: "a-rather-long-key-name-" + Guid.NewGuid().ToString("N")[..8]);
        using (var put = await gateway.AdminSendAsync(HttpMethod.Put, $"/admin/api/keys/{key.Id}/limits",
            new { rpm = 600, tpm = 200_000, maxConcurrency = 8, models = new[] { "claude-sonnet-4-5", "claude-haiku-4-5" }, expiresAt = "2030-06-30T12:00:00Z" }))
        {
            put.EnsureSuccessStatusCode();
        }

        // The widest a row gets: a daily budget, micro-dollar spend, every limit, a long expiry.
        using (var daily = await gateway.AdminSendAsync(HttpMethod.Post, "/admin/api/keys", new
        {
            name = "another-long-key-name-" + Guid.NewGuid().ToString("N")[..8], budgetUsd = 12345.678901m, budgetPeriod = "daily",
            rpm = 100_000, tpm = 2_000_000, maxConcurrency = 1000, expiresAt = "2030-06-30T12:00:00Z", models = new[] { "claude-haiku-4-5" },
        }))
        {
            var dailyKey = (await daily.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
            {
                Content = JsonContent.Create(new { model = "claude-haiku-4-5", max_tokens = 20, messages = new[] { new { role = "user", content = "hi" } } }),
            };
            request.Headers.Add("x-api-key", dailyKey);
            (await gateway.Http.SendAsync(request)).EnsureSuccessStatusCode();
        }

        await using var ui = await UiSession.OpenAsync(browser, gateway, width: 1280);
        await ui.SignInAsync();
        await ui.Page.GotoAsync("/admin/keys");
        var row = ui.Page.Locator($"tr[data-key-id='{key.Id}']");
        await ui.ShotAsync("keys-1280");

        var overflow = await ui.Page.EvaluateAsync<int>("() => { const w = document.querySelector('.table-wrap'); return w.scrollWidth - w.clientWidth; }");
        Assert.True(overflow <= 0, $"the keys table is {overflow} px wider than its box at 1280 px");
        foreach (var action in new[] { "Set budget", "Limits of ", "Disable " })
        {
            var box = await row.GetByRole(AriaRole.Button, new() { Name = action }).Or(row.GetByRole(AriaRole.Link, new() { Name = action })).First.BoundingBoxAsync();
            Assert.True(box is not null && box.X + box.Width <= 1280 - 24, $"“{action}” ends at {box?.X + box?.Width} px"); // inside the page's margin
        }

        // No name squeezed to a sliver: the name column keeps room for a readable name.
        var nameWidth = await ui.Page.EvaluateAsync<double>("() => document.querySelector('table.keys td').getBoundingClientRect().width");
        Assert.True(nameWidth >= 150, $"the name column is {nameWidth} px wide");

        await Assertions.Expect(row.GetByTestId("limits")).ToContainTextAsync("600 req/min");
        await Assertions.Expect(row.GetByTestId("limits")).ToContainTextAsync("2 models");
        ui.AssertNoErrors();
    }

    [Fact]
    public async Task LimitsForm_SetThenInvalidThenCleared_ShownInTheTableTheApiAndTheAuditLog()
    {
        var name = "limits-" + Guid.NewGuid().ToString("N")[..8];
        var key = await gateway.IssueKeyAsync(budgetUsd: 5m, name: name);
        await using var ui = await UiSession.OpenAsync(browser, gateway, width: 1280);
        await ui.SignInAsync();
        await ui.Page.GotoAsync("/admin/keys");
        var row = ui.Page.Locator($"tr[data-key-id='{key.Id}']");
        await Assertions.Expect(row.GetByTestId("limits")).ToHaveTextAsync("none");

        await row.GetByRole(AriaRole.Link, new() { Name = "Limits of " + name }).ClickAsync();
        var form = ui.Page.GetByTestId("limits-form");
        await Assertions.Expect(form).ToContainTextAsync($"Limits of “{name}”");
        await form.GetByLabel("Requests a minute").FillAsync("2");
        await form.GetByLabel("Requests at once").FillAsync("3");
        await form.GetByLabel("Expires (UTC)").FillAsync("2030-01-01T00:00");
        await form.GetByLabel("Models allowed").FillAsync("claude-sonnet-4-5, claude-haiku-4-5");
        await ui.ShotAsync("keys-limits-form");
        await form.GetByRole(AriaRole.Button, new() { Name = "Save limits" }).ClickAsync();

        await Assertions.Expect(ui.Page.GetByRole(AriaRole.Status).First).ToContainTextAsync($"Limits of “{name}” saved.");
        var limits = row.GetByTestId("limits");
        await Assertions.Expect(limits).ToContainTextAsync("2 req/min");
        await Assertions.Expect(limits).ToContainTextAsync("3 at once");
        await Assertions.Expect(limits).ToContainTextAsync("2 models");
        await Assertions.Expect(limits).ToContainTextAsync("expires 2030-01-01 00:00");
        var api = await gateway.AdminGetAsync($"/admin/api/keys/{key.Id}");
        Assert.Equal((2, 3, JsonValueKind.Null), (api.GetProperty("rpm").GetInt32(), api.GetProperty("maxConcurrency").GetInt32(), api.GetProperty("tpm").ValueKind));
        Assert.Equal(new[] { "claude-sonnet-4-5", "claude-haiku-4-5" }, api.GetProperty("models").EnumerateArray().Select(m => m.GetString()!).ToArray());
        Assert.Equal(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero), api.GetProperty("expiresAt").GetDateTimeOffset());

        // The form opens with what the key has; a bad model id is refused by the server, naming the field, and nothing typed is lost.
        await row.GetByRole(AriaRole.Link, new() { Name = "Limits of " + name }).ClickAsync();
        await Assertions.Expect(form.GetByLabel("Requests a minute")).ToHaveValueAsync("2");
        await form.GetByLabel("Models allowed").FillAsync(new string('m', 201));
        await form.GetByRole(AriaRole.Button, new() { Name = "Save limits" }).ClickAsync();
        await Assertions.Expect(ui.Page.GetByRole(AriaRole.Alert).First).ToContainTextAsync("models: each entry must be a model id of 1 to 200 characters");
        await Assertions.Expect(form.GetByLabel("Models allowed")).ToHaveValueAsync(new string('m', 201));
        Assert.Equal(2, (await gateway.AdminGetAsync($"/admin/api/keys/{key.Id}")).GetProperty("models").GetArrayLength());

        foreach (var field in new[] { "Requests a minute", "Requests at once", "Expires (UTC)", "Models allowed" })
        {
            await form.GetByLabel(field).FillAsync("");
        }

        await form.GetByRole(AriaRole.Button, new() { Name = "Save limits" }).ClickAsync();
        await Assertions.Expect(row.GetByTestId("limits")).ToHaveTextAsync("none");
        Assert.Equal(JsonValueKind.Null, (await gateway.AdminGetAsync($"/admin/api/keys/{key.Id}")).GetProperty("rpm").ValueKind);

        await ui.Page.GotoAsync("/admin/audit");
        var changes = ui.Page.Locator("tr", new() { HasText = "KeyLimitsChanged" }).Filter(new() { HasText = key.Id });
        await Assertions.Expect(changes).ToHaveCountAsync(2);
        var set = changes.Last; // newest first: the last row is the first change
        await Assertions.Expect(set).ToContainTextAsync("rpm: no limit → 2");
        await Assertions.Expect(set).ToContainTextAsync("max concurrency: no limit → 3");
        await Assertions.Expect(changes.First).ToContainTextAsync("rpm: 2 → no limit");
        await Assertions.Expect(changes.First).ToContainTextAsync("admin");
        await ui.ShotAsync("audit-limits");
        ui.AssertNoErrors();
    }

    [Fact]
    public async Task IssueForm_WithADailyBudgetAndLimits_KeyIssuedWithThem()
    {
        var name = "issued-limited-" + Guid.NewGuid().ToString("N")[..8];
        await using var ui = await UiSession.OpenAsync(browser, gateway, width: 1280);
        await ui.SignInAsync();
        await ui.Page.GotoAsync("/admin/keys");

        await ui.Page.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await ui.Page.GetByLabel("Budget (USD)", new() { Exact = true }).FillAsync("3");
        await ui.Page.GetByLabel("Budget period").SelectOptionAsync("daily");
        await ui.Page.GetByText("Limits (optional)").ClickAsync();
        await ui.Page.Locator("#issue-rpm").FillAsync("10");
        await ui.Page.Locator("#issue-tpm").FillAsync("50000");
        await ui.ShotAsync("keys-issue-with-limits");
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Issue key" }).ClickAsync();

        await Assertions.Expect(ui.Page.GetByLabel("The new API key")).ToBeVisibleAsync();
        var row = ui.Page.Locator("tr", new() { HasText = name });
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await Assertions.Expect(row.GetByTestId("period")).ToHaveTextAsync($"daily since {today}");
        await Assertions.Expect(row.GetByTestId("limits")).ToContainTextAsync("10 req/min");
        await Assertions.Expect(row.GetByTestId("limits")).ToContainTextAsync("50,000 tok/min");
        ui.AssertNoErrors();
    }

    [Fact]
    public async Task UsagePage_KeyWithLimits_ShowsThemAndMarksEachDailyPeriodOnTheChart()
    {
        gateway.Upstream.Reset();
        using var issue = await gateway.AdminSendAsync(HttpMethod.Post, "/admin/api/keys", new
        {
            name = "holder-limits-" + Guid.NewGuid().ToString("N")[..8], budgetUsd = 2m, budgetPeriod = "daily", rpm = 30, maxConcurrency = 2,
            models = new[] { "claude-sonnet-4-5" }, expiresAt = "2031-02-03T04:05:00Z",
        });
        var issued = await issue.Content.ReadFromJsonAsync<JsonElement>();
        var key = issued.GetProperty("key").GetString()!;

        await using var ui = await UiSession.OpenAsync(browser, gateway, width: 1280);
        await ui.Page.GotoAsync("/usage");
        await ui.Page.GetByLabel("API key").FillAsync(key);
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Show usage" }).ClickAsync();

        var limits = ui.Page.GetByTestId("key-limits");
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await Assertions.Expect(limits.GetByTestId("limit-period")).ToHaveTextAsync($"daily, since {today} (UTC)");
        await Assertions.Expect(limits.GetByTestId("limit-rpm")).ToHaveTextAsync("30");
        await Assertions.Expect(limits.GetByTestId("limit-tpm")).ToHaveTextAsync("no limit");
        await Assertions.Expect(limits.GetByTestId("limit-concurrency")).ToHaveTextAsync("2");
        await Assertions.Expect(limits.GetByTestId("limit-models")).ToHaveTextAsync("claude-sonnet-4-5");
        await Assertions.Expect(limits.GetByTestId("limit-expires")).ToHaveTextAsync("2031-02-03 04:05:00 UTC");
        await Assertions.Expect(ui.Page.GetByTestId("budget-period")).ToHaveTextAsync($"daily, since {today} (UTC)");
        await Assertions.Expect(ui.Page.GetByTestId("expired")).ToHaveCountAsync(0);

        // Fourteen days on the chart, each the start of a daily period.
        var starts = await ui.Page.Locator("canvas[data-chart]").GetAttributeAsync("data-period-starts");
        Assert.Equal(string.Join(',', Enumerable.Range(0, 14)), starts);
        Assert.True(await ui.Page.EvaluateAsync<bool>("() => !!Chart.getChart(document.querySelector('canvas[data-chart]'))"));
        await ui.ShotAsync("usage-limits");

        // Past its expiry the edge refuses the key, but its holder can still see its usage, marked expired.
        using (var put = await gateway.AdminSendAsync(HttpMethod.Put, $"/admin/api/keys/{issued.GetProperty("id").GetString()}/limits",
            new { expiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) }))
        {
            put.EnsureSuccessStatusCode();
        }

        await ui.Page.GetByLabel("API key").FillAsync(key);
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Show usage" }).ClickAsync();
        await Assertions.Expect(ui.Page.GetByTestId("expired")).ToHaveTextAsync("expired");
        ui.AssertNoErrors();
    }
}
