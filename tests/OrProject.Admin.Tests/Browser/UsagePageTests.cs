using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using OrProject.Admin.Pages;
using OrProject.Testing;

namespace OrProject.Admin.Tests.Browser;

[Collection(nameof(AdminUiCollection))]
public sealed class UsagePageTests(GatewayFixture gateway, BrowserFixture browser)
{
    [Fact]
    public async Task UsagePage_RealKeyAfterRequests_ShowsWhatUsageMeSaysAndNeverTheKey()
    {
        gateway.Upstream.Reset();
        gateway.Upstream.Respond = (ctx, _) => FakeAnthropic.WriteTextAsync(ctx, ["Hel", "lo"], inputTokens: 1234, outputTokens: 567);
        var key = await gateway.IssueKeyAsync(budgetUsd: 3m, name: "holder-" + Guid.NewGuid().ToString("N")[..8]);
        for (var i = 0; i < 2; i++)
        {
            using var response = await MessageAsync(key.Key);
            response.EnsureSuccessStatusCode();
        }

        var me = await UsageMeAsync(key.Key);
        Assert.Equal(2, me.GetProperty("requests").GetInt64());
        var byModel = await WaitForDailyViewAsync(key.Id);

        await using var ui = await UiSession.OpenAsync(browser, gateway);
        await ui.Page.GotoAsync("/usage");
        await ui.ShotAsync("usage-empty");
        await ui.Page.GetByLabel("API key").FillAsync(key.Key);
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Show usage" }).ClickAsync();

        var totals = ui.Page.GetByTestId("totals");
        await Assertions.Expect(totals).ToBeVisibleAsync();
        await Assertions.Expect(totals.GetByTestId("budget")).ToHaveTextAsync(Display.Money(me.GetProperty("budgetUsd").GetDecimal()));
        await Assertions.Expect(totals.GetByTestId("spent")).ToHaveTextAsync(Display.Money(me.GetProperty("spentUsd").GetDecimal()));
        await Assertions.Expect(totals.GetByTestId("remaining")).ToHaveTextAsync(Display.Money(me.GetProperty("remainingUsd").GetDecimal()));
        await Assertions.Expect(totals.GetByTestId("requests")).ToHaveTextAsync("2");
        await Assertions.Expect(totals.GetByTestId("input-tokens")).ToHaveTextAsync(Display.Count(me.GetProperty("inputTokens").GetInt64()));
        await Assertions.Expect(totals.GetByTestId("output-tokens")).ToHaveTextAsync(Display.Count(me.GetProperty("outputTokens").GetInt64()));
        Assert.True(me.GetProperty("spentUsd").GetDecimal() > 0);

        var model = byModel[0];
        var modelRow = ui.Page.GetByTestId("by-model").Locator("tbody tr", new() { HasText = model.GetProperty("model").GetString()! });
        await Assertions.Expect(modelRow).ToContainTextAsync(Display.Money(model.GetProperty("costUsd").GetDecimal()));
        await Assertions.Expect(modelRow).ToContainTextAsync(Display.Count(model.GetProperty("inputTokens").GetInt64()));
        Assert.True(await ui.Page.EvaluateAsync<bool>("() => !!Chart.getChart(document.querySelector('canvas[data-chart]'))"));
        await ui.ShotAsync("usage-shown");

        // The key went in the body of a POST: not in the address, not in the page, not left in the field.
        Assert.DoesNotContain(key.Key, ui.Page.Url, StringComparison.Ordinal);
        Assert.DoesNotContain(key.Key, await ui.Page.ContentAsync(), StringComparison.Ordinal);
        Assert.Equal("", await ui.Page.GetByLabel("API key").InputValueAsync());
        ui.AssertNoErrors();
    }

    [Fact]
    public async Task UsagePage_UnknownKey_SaysSoAndShowsNothing()
    {
        await using var ui = await UiSession.OpenAsync(browser, gateway);
        await ui.Page.GotoAsync("/usage");
        await ui.Page.GetByLabel("API key").FillAsync("sk-orp-not-a-real-key");
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Show usage" }).ClickAsync();

        await Assertions.Expect(ui.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("No key matches");
        Assert.Equal(0, await ui.Page.GetByTestId("totals").CountAsync());
        Assert.DoesNotContain("sk-orp-not-a-real-key", await ui.Page.ContentAsync(), StringComparison.Ordinal);
        ui.AssertNoErrors();
    }

    /// <summary>The by-model table reads the daily view, which the async daemon builds a moment after the ledger.</summary>
    private async Task<JsonElement> WaitForDailyViewAsync(string keyId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var usage = await gateway.AdminGetAsync($"/admin/api/keys/{keyId}/usage");
            var byModel = usage.GetProperty("byModel");
            if (byModel.GetArrayLength() > 0 && byModel[0].GetProperty("requests").GetInt64() == 2)
            {
                return byModel;
            }

            Assert.True(DateTime.UtcNow < deadline, "the daily usage view did not catch up within 30 s");
            await Task.Delay(200);
        }
    }

    private async Task<JsonElement> UsageMeAsync(string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/usage/me");
        request.Headers.Add("x-api-key", key);
        using var response = await gateway.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
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
