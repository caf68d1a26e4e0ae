using System.Diagnostics;
using System.Net;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

/// <summary>
/// Per-address rate limits on the forms that take a secret, and the admin session's absolute lifetime. Each test
/// connects from its own loopback address, so their limits do not meet.
/// </summary>
[Collection(nameof(EdgeLimitsCollection))]
public sealed class EdgeLimitsTests(EdgeLimitsFixture fixture)
{
    [Fact]
    public async Task SignIn_MoreAttemptsThanTheLimit_Answers429WithRetryAfter_OnlyForThatAddress()
    {
        using var guesser = new FormClient(fixture.BaseAddress, IPAddress.Parse("127.0.0.11"));
        for (var i = 0; i < EdgeLimitsFixture.Attempts; i++)
        {
            using var refused = await guesser.PostFormAsync("/admin/signin", ("token", "a-wrong-guess"));
            Assert.Equal(HttpStatusCode.OK, refused.StatusCode); // the page again, saying "not the admin token"
        }

        using var limited = await guesser.PostFormAsync("/admin/signin", ("token", GatewayFixture.AdminToken));

        await AssertLimitedAsync(limited);
        using var other = new FormClient(fixture.BaseAddress, IPAddress.Parse("127.0.0.12"));
        using var elsewhere = await other.PostFormAsync("/admin/signin", ("token", GatewayFixture.AdminToken));
        Assert.Equal(HttpStatusCode.Redirect, elsewhere.StatusCode);
    }

    [Fact]
    public async Task UsageForm_MoreLookupsThanTheLimit_Answers429WithRetryAfter()
    {
        using var guesser = new FormClient(fixture.BaseAddress, IPAddress.Parse("127.0.0.13"));
        for (var i = 0; i < EdgeLimitsFixture.Attempts; i++)
        {
            using var unknown = await guesser.PostFormAsync("/usage", ("key", "sk-orp-guess-" + i));
            Assert.Equal(HttpStatusCode.OK, unknown.StatusCode);
            Assert.Contains("No key matches", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var limited = await guesser.PostFormAsync("/usage", ("key", "sk-orp-guess-again"));

        await AssertLimitedAsync(limited);
        using var page = await guesser.GetAsync("/usage"); // showing the form is no attempt
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task AdminSession_InConstantUse_EndsAtItsAbsoluteLifetime()
    {
        using var browser = new FormClient(fixture.BaseAddress, IPAddress.Parse("127.0.0.14"));
        using (var signIn = await browser.PostFormAsync("/admin/signin", ("token", GatewayFixture.AdminToken)))
        {
            Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        }

        // Used every 250 ms, so it never idles; the sign-in time is kept to the second, hence the margins.
        var watch = Stopwatch.StartNew();
        var lifetime = EdgeLimitsFixture.SessionLifetime;
        while (watch.Elapsed < lifetime + TimeSpan.FromSeconds(1.5))
        {
            using var page = await browser.GetAsync("/admin/keys");
            if (watch.Elapsed < lifetime - TimeSpan.FromSeconds(1.5))
            {
                Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            }

            await Task.Delay(250);
        }

        using var expired = await browser.GetAsync("/admin/keys");
        Assert.Equal(HttpStatusCode.Redirect, expired.StatusCode);
        Assert.StartsWith("/admin/signin", expired.Headers.Location!.OriginalString.Replace(fixture.BaseAddress, "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApiKeys_GuessingLoop_RepeatsAreAnsweredFromMemoryAndNewGuessesAreRefusedPastTheLimit()
    {
        using var guesser = new FormClient(fixture.BaseAddress, IPAddress.Parse("127.0.0.15"));

        // The same wrong key again and again: remembered as unknown, so it never uses up the address's lookups.
        for (var i = 0; i < EdgeLimitsFixture.Attempts * 3; i++)
        {
            using var again = await guesser.SendAsync(Messages("sk-orp-the-same-wrong-key"));
            Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
        }

        for (var i = 1; i < EdgeLimitsFixture.Attempts; i++)
        {
            using var unknown = await guesser.SendAsync(Messages("sk-orp-guess-" + i));
            Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        }

        using var limited = await guesser.SendAsync(Messages("sk-orp-one-guess-too-many"));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("false", limited.Headers.GetValues("x-should-retry").Single());
        Assert.True(limited.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Contains("unknown API keys", await limited.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var other = new FormClient(fixture.BaseAddress, IPAddress.Parse("127.0.0.16"));
        using var elsewhere = await other.SendAsync(Messages("sk-orp-one-guess-too-many"));
        Assert.Equal(HttpStatusCode.Unauthorized, elsewhere.StatusCode); // the limit is that address's alone
    }

    private static HttpRequestMessage Messages(string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/messages")
        {
            Content = new StringContent("""{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}""",
                System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-api-key", key);
        return request;
    }

    private static async Task AssertLimitedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "no retry-after in seconds");
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Too many attempts", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
