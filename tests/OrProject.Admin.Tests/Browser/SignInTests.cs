using Microsoft.Playwright;
using OrProject.Testing;

namespace OrProject.Admin.Tests.Browser;

[Collection(nameof(AdminUiCollection))]
public sealed class SignInTests(GatewayFixture gateway, BrowserFixture browser)
{
    private static readonly string[] PanelPages =
        ["/admin", "/admin/keys", "/admin/accounts", "/admin/settings", "/admin/prices", "/admin/usage", "/admin/audit", "/admin/events?stream=settings",
         "/admin/replay"];

    [Fact]
    public async Task AdminPages_NotSignedIn_EveryPageRedirectsToSignInAndShowsNothing()
    {
        var key = await gateway.IssueKeyAsync(name: "hidden-from-strangers");
        await using var ui = await UiSession.OpenAsync(browser, gateway);

        foreach (var path in PanelPages)
        {
            await ui.Page.GotoAsync(path);
            Assert.Equal("/admin/signin", ui.CurrentPath);
            Assert.Equal(0, await ui.Page.Locator("table").CountAsync());
            Assert.Equal(0, await ui.Page.GetByRole(AriaRole.Navigation).CountAsync());
            var html = await ui.Page.ContentAsync();
            Assert.DoesNotContain("hidden-from-strangers", html, StringComparison.Ordinal);
            Assert.DoesNotContain(key.Id, html, StringComparison.Ordinal);
        }

        await ui.ShotAsync("signin-redirected");
        ui.AssertNoErrors();
    }

    [Fact]
    public async Task AdminForms_PostedWithoutSession_IssueNothing()
    {
        await using var ui = await UiSession.OpenAsync(browser, gateway);
        var before = (await gateway.AdminGetAsync("/admin/api/keys")).GetArrayLength();

        var response = await ui.Context.APIRequest.PostAsync("/admin/keys?handler=Issue", new APIRequestContextOptions
        {
            Form = ui.Context.APIRequest.CreateFormData().Set("Input.Name", "sneaky").Set("Input.BudgetUsd", "100"),
            MaxRedirects = 0,
        });

        Assert.Equal(302, response.Status);
        Assert.StartsWith("/admin/signin", new Uri(new Uri(gateway.BaseAddress), response.Headers["location"]).PathAndQuery, StringComparison.Ordinal);
        Assert.Equal(before, (await gateway.AdminGetAsync("/admin/api/keys")).GetArrayLength());
    }

    [Fact]
    public async Task SignIn_WrongTokenRefused_RightTokenOpensSessionOnRequestedPage_SignOutEndsIt()
    {
        await using var ui = await UiSession.OpenAsync(browser, gateway);
        await ui.Page.GotoAsync("/admin/accounts");
        Assert.Equal("/admin/signin", ui.CurrentPath);

        await ui.Page.GetByLabel("Admin token").FillAsync("not-the-token");
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(ui.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not the admin token");
        Assert.Equal("/admin/signin", ui.CurrentPath);
        Assert.DoesNotContain(await ui.Context.CookiesAsync(), c => c.Name == "orp_admin");
        Assert.Equal("", await ui.Page.GetByLabel("Admin token").InputValueAsync()); // the token is not echoed back
        await ui.ShotAsync("signin-refused");

        await ui.Page.GetByLabel("Admin token").FillAsync(GatewayFixture.AdminToken);
        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await ui.WaitForPathAsync("/admin/accounts");
        await Assertions.Expect(ui.Page.GetByRole(AriaRole.Heading, new() { Name = "Upstream accounts" })).ToBeVisibleAsync();

        var session = Assert.Single(await ui.Context.CookiesAsync(), c => c.Name == "orp_admin");
        Assert.True(session.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, session.SameSite);
        Assert.Equal("/admin", session.Path);
        Assert.True(session.Expires < 0); // a session cookie: it goes when the browser closes

        await ui.Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await ui.WaitForPathAsync("/admin/signin");
        Assert.DoesNotContain(await ui.Context.CookiesAsync(), c => c.Name == "orp_admin");
        await ui.Page.GotoAsync("/admin/keys");
        Assert.Equal("/admin/signin", ui.CurrentPath);
        ui.AssertNoErrors();
    }

    [Fact]
    public async Task Forms_PostedWithoutAntiforgeryToken_Rejected()
    {
        await using var ui = await UiSession.OpenAsync(browser, gateway);
        await ui.SignInAsync();
        var before = (await gateway.AdminGetAsync("/admin/api/keys")).GetArrayLength();

        var response = await ui.Context.APIRequest.PostAsync("/admin/keys?handler=Issue", new APIRequestContextOptions
        {
            Form = ui.Context.APIRequest.CreateFormData().Set("Input.Name", "forged").Set("Input.BudgetUsd", "100"),
            MaxRedirects = 0,
        });

        Assert.Equal(400, response.Status);
        Assert.Equal(before, (await gateway.AdminGetAsync("/admin/api/keys")).GetArrayLength());
    }
}
