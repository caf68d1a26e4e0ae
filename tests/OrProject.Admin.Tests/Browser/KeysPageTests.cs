using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using OrProject.Testing;

namespace OrProject.Admin.Tests.Browser;

[Collection(nameof(AdminUiCollection))]
public sealed class KeysPageTests(GatewayFixture gateway, BrowserFixture browser)
{
    [Fact]
    public async Task Keys_IssueThenDisable_KeyShownOnceWithCopyButtonThenRefused()
    {
        var name = "laptop-" + Guid.NewGuid().ToString("N")[..8];
        await using var ui = await UiSession.OpenAsync(browser, gateway);
        await ui.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"], new() { Origin = gateway.BaseAddress });
        await ui.SignInAsync();
        await ui.Page.GotoAsync("/admin/keys");

        await ui.Page.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await ui.Page.GetByLabel("Budget (USD)", new() { Exact = true }).FillAsync("5");
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Issue key" }).ClickAsync();

        // Shown once, with a copy button that copies it.
        var shown = ui.Page.GetByLabel("The new API key");
        await Assertions.Expect(shown).ToBeVisibleAsync();
        var key = await shown.InputValueAsync();
        Assert.StartsWith("sk-orp-", key, StringComparison.Ordinal);
        await ui.ShotAsync("keys-issued");
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Copy", Exact = true }).ClickAsync();
        await Assertions.Expect(ui.Page.Locator(".copy-status")).ToHaveTextAsync("Copied");
        Assert.Equal(key, await ui.Page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));

        // The key is real, and not shown again.
        using var me = await UsageMeAsync(key);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        await ui.Page.GotoAsync("/admin/keys");
        Assert.DoesNotContain(key, await ui.Page.ContentAsync(), StringComparison.Ordinal);
        var row = ui.Page.Locator("tr", new() { HasText = name });
        await Assertions.Expect(row.GetByTestId("status")).ToHaveTextAsync("active");

        await row.GetByRole(AriaRole.Button, new() { Name = "Disable " + name }).ClickAsync();
        await Assertions.Expect(ui.Page.GetByRole(AriaRole.Status).First).ToContainTextAsync($"Key “{name}” disabled.");
        await Assertions.Expect(row.GetByTestId("status")).ToHaveTextAsync("disabled");
        await ui.ShotAsync("keys-disabled");

        var id = await row.GetAttributeAsync("data-key-id");
        var api = await gateway.AdminGetAsync($"/admin/api/keys/{id}");
        Assert.True(api.GetProperty("disabled").GetBoolean());
        using var refused = await MessageAsync(key);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        ui.AssertNoErrors();
    }

    [Fact]
    public async Task Keys_BudgetChangedAndReEnabled_ShownInTableAndApi()
    {
        var key = await gateway.IssueKeyAsync(budgetUsd: 10m, name: "budget-" + Guid.NewGuid().ToString("N")[..8]);
        await using var ui = await UiSession.OpenAsync(browser, gateway);
        await ui.SignInAsync();
        await ui.Page.GotoAsync("/admin/keys");
        var row = ui.Page.Locator($"tr[data-key-id='{key.Id}']");

        await row.GetByLabel("New budget in USD").FillAsync("12.5");
        await row.GetByRole(AriaRole.Button, new() { Name = "Set budget" }).ClickAsync();
        await Assertions.Expect(ui.Page.GetByRole(AriaRole.Status).First).ToContainTextAsync("set to $12.50");
        await Assertions.Expect(row).ToContainTextAsync("$12.50");
        Assert.Equal(12.5m, (await gateway.AdminGetAsync($"/admin/api/keys/{key.Id}")).GetProperty("budgetUsd").GetDecimal());

        await row.GetByRole(AriaRole.Button, new() { Name = "Disable" }).ClickAsync();
        await Assertions.Expect(row.GetByTestId("status")).ToHaveTextAsync("disabled");
        await row.GetByRole(AriaRole.Button, new() { Name = "Enable" }).ClickAsync();
        await Assertions.Expect(row.GetByTestId("status")).ToHaveTextAsync("active");
        Assert.False((await gateway.AdminGetAsync($"/admin/api/keys/{key.Id}")).GetProperty("disabled").GetBoolean());
        ui.AssertNoErrors();
    }

    private async Task<HttpResponseMessage> UsageMeAsync(string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/usage/me");
        request.Headers.Add("x-api-key", key);
        return await gateway.Http.SendAsync(request);
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
