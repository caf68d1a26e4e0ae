using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using OrProject.Admin.Pages;
using OrProject.Projections.Rebuild;
using OrProject.Testing;

namespace OrProject.Admin.Tests.Browser;

[Collection(nameof(AdminUiCollection))]
public sealed class PanelPagesTests(GatewayFixture gateway, BrowserFixture browser)
{
    [Fact]
    public async Task Settings_SavedInPage_AppliedAndAuditedWithBeforeAndAfter()
    {
        var prompt = "Be brief. " + Guid.NewGuid().ToString("N")[..6];
        await using var ui = await UiSession.OpenAsync(browser, gateway);
        await ui.SignInAsync();
        await ui.Page.GotoAsync("/admin/settings");
        var before = await ui.Page.GetByLabel("System prompt").InputValueAsync();

        await ui.Page.GetByLabel("System prompt").FillAsync(prompt);
        await ui.Page.GetByLabel("Model aliases").FillAsync("fast = claude-haiku-4-5\nsmart = claude-sonnet-4-5");
        await ui.Page.GetByLabel("Tool mode").SelectOptionAsync("native");
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Save settings" }).ClickAsync();
        await Assertions.Expect(ui.Page.GetByRole(AriaRole.Status)).ToContainTextAsync("Settings saved");
        await Assertions.Expect(ui.Page.GetByLabel("System prompt")).ToHaveValueAsync(prompt);
        await ui.ShotAsync("settings");

        var api = await gateway.AdminGetAsync("/admin/api/settings");
        Assert.Equal(prompt, api.GetProperty("systemPrompt").GetString());
        Assert.Equal("claude-haiku-4-5", api.GetProperty("modelAliases").GetProperty("fast").GetString());

        await ui.Page.GotoAsync("/admin/audit");
        var entry = ui.Page.Locator("tbody tr", new() { HasText = prompt }).First;
        await Assertions.Expect(entry).ToContainTextAsync("SettingsChanged");
        await Assertions.Expect(entry).ToContainTextAsync("admin");
        await Assertions.Expect(entry.Locator("li", new() { HasText = "system prompt" }).Locator("ins")).ToHaveTextAsync(prompt);
        await Assertions.Expect(entry.Locator("li", new() { HasText = "system prompt" }).Locator("del"))
            .ToHaveTextAsync(before.Length == 0 ? "(none)" : before);
        await Assertions.Expect(entry).ToContainTextAsync("fast → claude-haiku-4-5");
        ui.AssertNoErrors();
    }

    [Fact]
    public async Task Accounts_AddedAndDisabledInPage_ListedWithStatusAndAudited()
    {
        var name = "backup-" + Guid.NewGuid().ToString("N")[..8];
        await using var ui = await UiSession.OpenAsync(browser, gateway);
        await ui.SignInAsync();
        await ui.Page.GotoAsync("/admin/accounts");

        await ui.Page.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await ui.Page.GetByLabel("Kind").SelectOptionAsync("openai");
        await ui.Page.GetByLabel("Base URL").FillAsync("http://127.0.0.1:9/v1");
        await ui.Page.GetByLabel("API key").FillAsync("secret-upstream-key");
        await ui.Page.GetByLabel("Models it serves").FillAsync("gpt-test");
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Add account" }).ClickAsync();
        await Assertions.Expect(ui.Page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Account “{name}” added.");

        var row = ui.Page.Locator("tbody tr", new() { HasText = name });
        await Assertions.Expect(row.GetByTestId("status")).ToHaveTextAsync("active");
        Assert.DoesNotContain("secret-upstream-key", await ui.Page.ContentAsync(), StringComparison.Ordinal);
        await row.GetByRole(AriaRole.Button, new() { Name = "Disable" }).ClickAsync();
        await Assertions.Expect(row.GetByTestId("status")).ToHaveTextAsync("disabled");
        await Assertions.Expect(row).ToContainTextAsync("disabled by an admin");
        await ui.ShotAsync("accounts");

        await ui.Page.GotoAsync("/admin/audit");
        var id = (await gateway.AdminGetAsync("/admin/api/accounts")).EnumerateArray().Single(a => a.GetProperty("name").GetString() == name).GetProperty("id").GetString()!;
        var disabled = ui.Page.Locator("tbody tr", new() { HasText = "AccountDisabled" }).Filter(new() { HasText = id });
        await Assertions.Expect(disabled.Locator("li", new() { HasText = "status" })).ToContainTextAsync("active → disabled");
        await Assertions.Expect(ui.Page.Locator("tbody tr", new() { HasText = "AccountAdded" }).Filter(new() { HasText = id })).ToContainTextAsync(name);
        ui.AssertNoErrors();
    }

    [Fact]
    public async Task Accounts_KindTheGatewayDoesNotSpeak_RefusedNamingItAndTheKindsThereAre()
    {
        var name = "gemini-" + Guid.NewGuid().ToString("N")[..8];
        await using var ui = await UiSession.OpenAsync(browser, gateway);
        await ui.SignInAsync();
        await ui.Page.GotoAsync("/admin/accounts");

        await ui.Page.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        // The form offers only known kinds; a crafted or stale form can still post another, and the server decides.
        await ui.Page.EvaluateAsync("() => { const s = document.getElementById('acct-kind'); s.add(new Option('gemini', 'gemini')); s.value = 'gemini'; }");
        await ui.Page.GetByLabel("Base URL").FillAsync("https://generativelanguage.googleapis.com");
        await ui.Page.GetByLabel("API key").FillAsync("k");
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Add account" }).ClickAsync();

        await Assertions.Expect(ui.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("'gemini' is not a kind this gateway speaks; use anthropic");
        var accounts = await gateway.AdminGetAsync("/admin/api/accounts");
        Assert.DoesNotContain(accounts.EnumerateArray(), a => a.GetProperty("name").GetString() == name);
        ui.AssertNoErrors();
    }

    [Fact]
    public async Task Keys_IssueForm_HintsArePlaceholdersNotValues()
    {
        await using var ui = await UiSession.OpenAsync(browser, gateway);
        await ui.SignInAsync();
        await ui.Page.GotoAsync("/admin/keys");

        var budget = ui.Page.Locator("#issue-budget");
        await Assertions.Expect(budget).ToHaveValueAsync("");
        await Assertions.Expect(budget).ToHaveAttributeAsync("placeholder", "budget in USD, e.g. 10");
        await Assertions.Expect(ui.Page.Locator("#issue-name")).ToHaveValueAsync("");
        ui.AssertNoErrors();
    }

    [Fact]
    public async Task Prices_ModelAddedInPage_InPriceTableAndAudited()
    {
        var model = "test-model-" + Guid.NewGuid().ToString("N")[..6];
        await using var ui = await UiSession.OpenAsync(browser, gateway);
        await ui.SignInAsync();
        await ui.Page.GotoAsync("/admin/prices");

        await ui.Page.GetByLabel("Model id (the new model)").FillAsync(model);
        await ui.Page.GetByLabel("Input price of the new model").FillAsync("1.5");
        await ui.Page.GetByLabel("Output price of the new model").FillAsync("7");
        await ui.Page.GetByLabel("1-hour cache write price of the new model").FillAsync("2.5");
        await ui.Page.GetByLabel("Maximum output tokens of the new model").FillAsync("4000");
        await ui.Page.GetByLabel("Prompt tokens above which the new model bills its long-prompt rates").FillAsync("50000");
        await ui.Page.GetByLabel("Long-prompt input factor of the new model").FillAsync("2");
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Save price table" }).ClickAsync();
        await Assertions.Expect(ui.Page.GetByRole(AriaRole.Status)).ToContainTextAsync("Price table saved");
        await ui.ShotAsync("prices");

        var prices = await gateway.AdminGetAsync("/admin/api/models");
        var added = prices.EnumerateArray().Single(p => p.GetProperty("id").GetString() == model);
        Assert.Equal(1.5m, added.GetProperty("inputUsdPerMTok").GetDecimal());
        Assert.Equal(2.5m, added.GetProperty("cacheWrite1hUsdPerMTok").GetDecimal());
        // Left blank: the catalog's default applies.
        Assert.Equal(System.Text.Json.JsonValueKind.Null, added.GetProperty("webSearchUsdPerThousand").ValueKind);
        Assert.Equal(4000, added.GetProperty("maxOutputTokens").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, added.GetProperty("contextWindow").ValueKind);
        Assert.Equal(50_000, added.GetProperty("longPromptAboveTokens").GetInt64());
        Assert.Equal(2m, added.GetProperty("longPromptInputFactor").GetDecimal());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, added.GetProperty("longPromptOutputFactor").ValueKind);
        // Every other row went through the page's form and back: Haiku 5.5 keeps its band.
        var haiku = prices.EnumerateArray().Single(p => p.GetProperty("id").GetString() == "claude-haiku-5-5");
        Assert.Equal((100_000L, 5m, 5m), (haiku.GetProperty("longPromptAboveTokens").GetInt64(),
            haiku.GetProperty("longPromptInputFactor").GetDecimal(), haiku.GetProperty("longPromptOutputFactor").GetDecimal()));
        // A blank limit shows what applies instead, as a hint and not a value.
        var sonnetContext = ui.Page.GetByLabel("Context window of claude-sonnet-4-5", new() { Exact = true });
        await Assertions.Expect(sonnetContext).ToHaveValueAsync("");
        await Assertions.Expect(sonnetContext).ToHaveAttributeAsync("placeholder", "default 200k");
        await Assertions.Expect(ui.Page.GetByLabel($"Context window of {model}")).ToHaveAttributeAsync("placeholder", "no limit");
        await Assertions.Expect(ui.Page.GetByLabel("Context window of claude-sonnet-5", new() { Exact = true })).ToHaveAttributeAsync("placeholder", "default 1M");

        await ui.Page.GotoAsync("/admin/audit");
        var change = ui.Page.Locator("li", new() { HasText = "price " + model }).First;
        await Assertions.Expect(change.Locator("ins")).ToContainTextAsync("in $1.50 · out $7.00");
        await Assertions.Expect(change.Locator("ins")).ToContainTextAsync("max output 4000");
        await Assertions.Expect(change.Locator("ins")).ToContainTextAsync("prompts over 50000 tokens: input ×2, output ×1");
        ui.AssertNoErrors();
    }

    [Fact]
    public async Task Prices_NegativePriceInPage_RefusedWithMessageAndNotSaved()
    {
        var model = "test-negative-" + Guid.NewGuid().ToString("N")[..6];
        await using var ui = await UiSession.OpenAsync(browser, gateway);
        await ui.SignInAsync();
        await ui.Page.GotoAsync("/admin/prices");

        await ui.Page.GetByLabel("Model id (the new model)").FillAsync(model);
        await ui.Page.GetByLabel("Input price of the new model").FillAsync("1");
        await ui.Page.GetByLabel("Output price of the new model").FillAsync("2");
        await ui.Page.GetByLabel("5-minute cache write price of the new model").FillAsync("-5");
        // The browser's own min="0" check would stop the form; the server must refuse it on its own.
        await ui.Page.EvaluateAsync("() => document.querySelectorAll('form').forEach(f => f.noValidate = true)");
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Save price table" }).ClickAsync();

        await Assertions.Expect(ui.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync($"{model}: cacheWriteUsdPerMTok (cache write 5m) is -5");
        var prices = await gateway.AdminGetAsync("/admin/api/models");
        Assert.DoesNotContain(prices.EnumerateArray(), p => p.GetProperty("id").GetString() == model);
        ui.AssertNoErrors();
    }

    [Fact]
    public async Task UsageAuditAndEvents_AfterTrafficAndBudgetChange_ChartsHistoryAndRawEvents()
    {
        var key = await gateway.IssueKeyAsync(budgetUsd: 10m, name: "traffic-" + Guid.NewGuid().ToString("N")[..8]);
        using (var message = await MessageAsync(key.Key))
        {
            message.EnsureSuccessStatusCode();
        }

        await ChangeBudgetAsync(key.Id, 20m);
        await using var ui = await UiSession.OpenAsync(browser, gateway);
        await ui.SignInAsync();

        await ui.Page.GotoAsync("/admin/usage");
        Assert.Equal(3, await ui.Page.EvaluateAsync<int>(
            "() => [...document.querySelectorAll('canvas[data-chart]')].filter(c => Chart.getChart(c)).length"));
        await ui.ShotAsync("admin-usage");

        await ui.Page.GotoAsync("/admin/audit");
        var budget = ui.Page.Locator("tbody tr", new() { HasText = "BudgetChanged" }).Filter(new() { HasText = key.Id });
        await Assertions.Expect(budget.Locator("li", new() { HasText = "budget" })).ToHaveTextAsync("budget: $10.00 → $20.00");
        await Assertions.Expect(budget).ToContainTextAsync("admin");
        await ui.ShotAsync("audit");

        await ui.Page.GotoAsync("/admin/events");
        await ui.Page.GetByLabel("Stream id").FillAsync(key.Id);
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Show events" }).ClickAsync();
        var types = await ui.Page.Locator("tbody tr > td.mono").AllTextContentsAsync();
        Assert.Equal(["KeyIssued", "UsageRecorded", "BudgetChanged"], types);

        // Each body is one line until opened, so a page of events stays a page long.
        var usage = ui.Page.Locator("tbody tr", new() { HasText = "UsageRecorded" });
        await Assertions.Expect(usage.Locator("pre.json")).ToBeHiddenAsync();
        await usage.Locator("summary").ClickAsync();
        await Assertions.Expect(usage.Locator("pre.json")).ToBeVisibleAsync();
        await Assertions.Expect(usage.Locator("pre.json")).ToContainTextAsync("\"requestId\"");
        Assert.True(await ui.Page.EvaluateAsync<int>("document.body.scrollHeight") < 2000, "the events page should be short with bodies closed");
        await ui.ShotAsync("events");
        ui.AssertNoErrors();
    }

    [Fact]
    public async Task Replay_RebuildStartedInPage_FollowedUntilSucceededAsTheApiSays()
    {
        var key = await gateway.IssueKeyAsync(name: "replayed-" + Guid.NewGuid().ToString("N")[..8]);
        await using var ui = await UiSession.OpenAsync(browser, gateway);
        await ui.SignInAsync();
        await ui.Page.GotoAsync("/admin/replay");
        var previous = await LatestRebuildIdAsync();

        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Rebuild every view" }).ClickAsync();
        await Assertions.Expect(ui.Page.GetByRole(AriaRole.Status)).ToContainTextAsync("Rebuild started");
        // The page reloads itself while the run goes on; a rebuild of this small log takes seconds, not a minute. Right
        // after the button, the page may still show the previous run.
        var thisRun = ui.Page.Locator($"[data-testid='rebuild']:not([data-run-id='{previous}'])");
        await Assertions.Expect(thisRun.GetByTestId("state")).ToHaveTextAsync("succeeded", new() { Timeout = 60_000 });
        await ui.ShotAsync("replay");

        var api = await gateway.AdminGetAsync("/admin/api/projections/rebuild");
        Assert.Equal("succeeded", api.GetProperty("state").GetString());
        await Assertions.Expect(ui.Page.GetByTestId("rebuild")).ToHaveAttributeAsync("data-run-id", api.GetProperty("id").GetString()!);
        await Assertions.Expect(ui.Page.GetByTestId("phase")).ToHaveTextAsync("done");
        await Assertions.Expect(ui.Page.GetByTestId("percent")).ToHaveTextAsync("100%");
        await Assertions.Expect(ui.Page.GetByTestId("events")).ToHaveTextAsync(Display.Count(api.GetProperty("events").GetInt64()));
        var keys = api.GetProperty("documents").GetProperty("mt_doc_keyledger").GetInt32();
        Assert.True(keys >= 1);
        await Assertions.Expect(ui.Page.Locator("tr[data-table='mt_doc_keyledger'] td.num")).ToHaveTextAsync(Display.Count(keys));
        // It stops reloading (the reload after the record says succeeded may still see the run's task finishing).
        await Assertions.Expect(ui.Page.Locator("meta[http-equiv='refresh']")).ToHaveCountAsync(0);
        await Assertions.Expect(ui.Page.GetByTestId("error")).ToHaveCountAsync(0);

        // The switched-in views serve, and no page says a rebuild is running any more.
        await ui.Page.GotoAsync("/admin/keys");
        await Assertions.Expect(ui.Page.Locator($"tr[data-key-id='{key.Id}']")).ToBeVisibleAsync();
        Assert.Equal(0, await ui.Page.GetByTestId("rebuild-banner").CountAsync());
        ui.AssertNoErrors();
    }

    [Fact]
    public async Task RebuildBanner_WhileARunIsUnderWay_OnPanelPagesOnlyAndReplayPageFollowsIt()
    {
        // A run another instance is in the middle of, as its record says: the pages know a rebuild only by its record.
        var run = new RebuildRun
        {
            Id = "rebuild_elsewhere_" + Guid.NewGuid().ToString("N")[..8], Host = "elsewhere", StartedAt = DateTimeOffset.UtcNow,
            UpdatedAt = DateTimeOffset.UtcNow, Target = 1000, Position = 420, Events = 420, EventsPerSecond = 210,
        };
        await using (var session = gateway.Store.LightweightSession())
        {
            session.Store(run);
            await session.SaveChangesAsync();
        }

        try
        {
            await using var ui = await UiSession.OpenAsync(browser, gateway);
            await ui.Page.GotoAsync("/usage");
            Assert.Equal(0, await ui.Page.GetByTestId("rebuild-banner").CountAsync());

            await ui.SignInAsync();
            await ui.Page.GotoAsync("/admin/keys");
            await Assertions.Expect(ui.Page.GetByTestId("rebuild-banner")).ToContainTextAsync("Rebuilding views: folding, 42%");
            await ui.ShotAsync("rebuild-banner");

            await ui.Page.GetByTestId("rebuild-banner").GetByRole(AriaRole.Link, new() { Name = "Follow it" }).ClickAsync();
            await ui.WaitForPathAsync("/admin/replay");
            await Assertions.Expect(ui.Page.GetByTestId("state")).ToHaveTextAsync("running");
            await Assertions.Expect(ui.Page.GetByTestId("percent")).ToHaveTextAsync("42%");
            await Assertions.Expect(ui.Page.GetByTestId("position")).ToHaveTextAsync("event 420 of 1,000");
            await Assertions.Expect(ui.Page.GetByRole(AriaRole.Button, new() { Name = "Rebuild every view" })).ToBeDisabledAsync();
            Assert.Equal(1, await ui.Page.Locator("meta[http-equiv='refresh']").CountAsync());
            Assert.Equal(0, await ui.Page.GetByTestId("rebuild-banner").CountAsync()); // the page itself shows the run
            await ui.ShotAsync("replay-running");
            ui.AssertNoErrors();
        }
        finally
        {
            await using var session = gateway.Store.LightweightSession();
            session.Delete(run);
            await session.SaveChangesAsync();
        }
    }

    /// <summary>The id of the latest rebuild the API knows of; empty if none ran.</summary>
    private async Task<string> LatestRebuildIdAsync()
    {
        using var response = await gateway.AdminSendAsync(HttpMethod.Get, "/admin/api/projections/rebuild");
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return "";
        }

        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private async Task ChangeBudgetAsync(string id, decimal budgetUsd)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/admin/api/keys/{id}/budget") { Content = JsonContent.Create(new { budgetUsd }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", GatewayFixture.AdminToken);
        using var response = await gateway.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    private async Task<HttpResponseMessage> MessageAsync(string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = JsonContent.Create(new { model = "claude-sonnet-4-5", max_tokens = 20, messages = new[] { new { role = "user", content = "hi" } } }),
        };
        request.Headers.Add("x-api-key", key);
        request.Headers.Add("anthropic-version", "2023-06-01");
        return await gateway.Http.SendAsync(request);
    }
}
