using Microsoft.Playwright;
using OrProject.Testing;

namespace OrProject.Admin.Tests.Browser;

/// <summary>The gateway's address opened in a browser: a page that says what this is and where to go.</summary>
[Collection(nameof(AdminUiCollection))]
public sealed class FrontDoorPageTests(GatewayFixture gateway, BrowserFixture browser)
{
    [Fact]
    public async Task FrontDoor_Opened_NamesTheGatewayAndItsLinksLeadToUsageAndSignIn()
    {
        await using var ui = await UiSession.OpenAsync(browser, gateway);
        await ui.Page.GotoAsync("/");

        await Assertions.Expect(ui.Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("OrProject gateway");
        await Assertions.Expect(ui.Page.Locator("body")).ToContainTextAsync($"OPENAI_BASE_URL={gateway.BaseAddress.TrimEnd('/')}/v1");
        await ui.ShotAsync("front-door");

        await ui.Page.Locator("a[href='/usage']").First.ClickAsync();
        await Assertions.Expect(ui.Page.GetByLabel("API key")).ToBeVisibleAsync();
        await ui.Page.GoBackAsync();
        await ui.Page.Locator("a[href='/admin']").First.ClickAsync();
        await Assertions.Expect(ui.Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/admin/signin"));
        ui.AssertNoErrors();
    }
}
