using System.Net;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

/// <summary>What a newcomer sees opening the gateway's address in a browser, and the probe Claude Code sends there.</summary>
[Collection(nameof(GatewayCollection))]
public sealed class FrontDoorTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Get_Root_PageWithLinksBaseUrlsAndUpstreamState()
    {
        using var response = await fixture.Http.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains("<h1>OrProject gateway</h1>", page, StringComparison.Ordinal);
        Assert.Contains("href=\"/usage\"", page, StringComparison.Ordinal);
        Assert.Contains("href=\"/admin\"", page, StringComparison.Ordinal);
        var origin = fixture.BaseAddress.TrimEnd('/');
        Assert.Contains($"ANTHROPIC_BASE_URL={origin}", page, StringComparison.Ordinal);
        Assert.Contains($"OPENAI_BASE_URL={origin}/v1", page, StringComparison.Ordinal);
        Assert.Contains("upstream account(s) active", page, StringComparison.Ordinal); // the fixture's fake Anthropic account
        Assert.DoesNotContain("simulator is answering", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Head_Root_BareOkForConnectivityProbes()
    {
        using var response = await fixture.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, response.Content.Headers.ContentLength ?? 0);
    }
}
