using System.Text.Json.Nodes;
using Anthropic;
using Anthropic.Models.Messages;
using Microsoft.AspNetCore.Http;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

[Collection(nameof(GatewayCollection))]
public sealed class CountTokensTests(GatewayFixture fixture) : GatewayTest(fixture)
{
    private static MessageCountTokensParams Request() => new()
    {
        Model = "claude-sonnet-4-5",
        System = "Be brief.",
        Messages = [new UserMessageParam("How many tokens is this?")],
    };

    [Fact]
    public async Task CountTokens_AnthropicAccount_ForwardsToTheUpstreamAndReturnsItsCount()
    {
        Fixture.Upstream.Respond = (ctx, _) => ctx.Response.WriteAsync("""{"input_tokens":4321}""");
        var client = await ClientAsync();

        var count = await client.Messages.CountTokens(Request());

        Assert.Equal(4321, count.InputTokens);
        var sent = Fixture.Upstream.Requests.Single();
        Assert.Equal("/v1/messages/count_tokens", sent.Path);
        Assert.Equal("upstream-secret", sent.Headers["x-api-key"]);
        var body = JsonNode.Parse(sent.Body)!.AsObject();
        Assert.False(body.ContainsKey("stream"));
        Assert.Equal("Be brief.", (string?)body["system"]);
    }

    [Fact]
    public async Task CountTokens_UpstreamRefusesTheRequest_RefusalRelayedAsIs()
    {
        Fixture.Upstream.Respond = (ctx, _) => FakeAnthropic.WriteErrorAsync(ctx, 400, "invalid_request_error", "prompt is too long: 300000 tokens > 200000 maximum");
        var client = await ClientAsync();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => client.Messages.CountTokens(Request()));

        Assert.Contains("prompt is too long", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CountTokens_UpstreamFailing_FallsBackToTheLocalEstimate()
    {
        Fixture.Upstream.Respond = (ctx, _) => FakeAnthropic.WriteErrorAsync(ctx, 500, "api_error", "boom");
        var client = await ClientAsync();

        var count = await client.Messages.CountTokens(Request());

        Assert.InRange(count.InputTokens, 5, 50); // ~4 characters a token over system and message, plus framing
    }
}
