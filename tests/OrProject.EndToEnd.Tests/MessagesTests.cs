using Anthropic;
using Anthropic.Models.Messages;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

[Collection(nameof(GatewayCollection))]
public sealed class MessagesTests(GatewayFixture fixture) : GatewayTest(fixture)
{
    [Fact]
    public async Task Create_PlainRequest_ReturnsUpstreamTextAndUsage()
    {
        var client = await ClientAsync();

        var message = await client.Messages.Create(new MessageCreateParams
        {
            MaxTokens = 100,
            Model = "claude-sonnet-4-5",
            Messages = [new UserMessageParam("Hello")],
        });

        Assert.True(message.Content.Single().TryPickText(out var text));
        Assert.Equal("Hello", text!.Text);
        Assert.Equal(25, message.Usage.InputTokens);
        Assert.Equal(2, message.Usage.OutputTokens);
    }

    [Fact]
    public async Task CreateStreaming_PlainRequest_StreamsEveryDeltaInOrder()
    {
        Fixture.Upstream.Respond = (ctx, _) => FakeAnthropic.WriteTextAsync(ctx, ["a", "b", "c", "d"], delayMs: 5);
        var client = await ClientAsync();
        var texts = new List<string>();

        await foreach (var item in client.Messages.CreateStreaming(new MessageCreateParams
        {
            MaxTokens = 100,
            Model = "claude-sonnet-4-5",
            Messages = [new UserMessageParam("Hello")],
        }))
        {
            if (item.TryPickContentBlockDelta(out var delta) && delta!.Delta.TryPickText(out var text))
            {
                texts.Add(text!.Text);
            }
        }

        Assert.Equal(["a", "b", "c", "d"], texts);
    }
}
