using System.Text.Json.Nodes;
using Anthropic;
using Anthropic.Models.Messages;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

[CollectionDefinition(nameof(OpenAiUpstreamCollection))]
public sealed class OpenAiUpstreamCollection : ICollectionFixture<OpenAiUpstreamFixture>;

/// <summary>Anthropic-format clients served by an OpenAI-compatible upstream: requests and streams translated both ways.</summary>
[Collection(nameof(OpenAiUpstreamCollection))]
public sealed class OpenAiUpstreamTests(OpenAiUpstreamFixture fixture) : IAsyncLifetime
{
    public Task InitializeAsync()
    {
        return fixture.ResetAsync();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task CreateStreaming_OpenAiUpstreamText_ArrivesAsAnthropicEventsWithUsage()
    {
        fixture.Upstream.Respond = (ctx, _) => FakeOpenAi.WriteChunksAsync(ctx,
        [
            FakeOpenAi.Chunk(new { role = "assistant", content = "" }),
            FakeOpenAi.Chunk(new { content = "Bon" }),
            FakeOpenAi.Chunk(new { content = "jour" }),
            FakeOpenAi.Chunk(new { }, "stop"),
            FakeOpenAi.Usage(prompt: 40, completion: 2, cached: 10),
        ]);
        var key = await fixture.IssueKeyAsync();
        var client = new AnthropicClient { ApiKey = key.Key, BaseUrl = fixture.BaseAddress, MaxRetries = 0 };
        var text = "";
        RawMessageDeltaEvent? end = null;

        await foreach (var item in client.Messages.CreateStreaming(new MessageCreateParams
        {
            MaxTokens = 64,
            Model = "claude-sonnet-4-5",
            System = "Answer in French.",
            Messages = [new UserMessageParam("Hello")],
        }))
        {
            if (item.TryPickContentBlockDelta(out var delta) && delta!.Delta.TryPickText(out var part))
            {
                text += part!.Text;
            }

            if (item.TryPickDelta(out var messageDelta))
            {
                end = messageDelta;
            }
        }

        Assert.Equal("Bonjour", text);
        Assert.NotNull(end);
        Assert.Equal(2, end.Usage.OutputTokens);
        var sent = JsonNode.Parse(fixture.Upstream.Requests.Single().Body)!;
        Assert.EndsWith("/chat/completions", fixture.Upstream.Requests.Single().Path, StringComparison.Ordinal);
        Assert.Equal("system", (string?)sent["messages"]![0]!["role"]);
        Assert.True((bool)sent["stream"]!);
        Assert.Equal("Bearer upstream-secret", fixture.Upstream.Requests.Single().Headers["authorization"]);
    }

    [Fact]
    public async Task Create_OpenAiUpstreamToolCall_BecomesToolUseBlockWithInput()
    {
        fixture.Upstream.Respond = (ctx, _) => FakeOpenAi.WriteChunksAsync(ctx,
        [
            FakeOpenAi.Chunk(new { role = "assistant", content = (string?)null }),
            FakeOpenAi.Chunk(new { tool_calls = new[] { new { index = 0, id = "call_1", type = "function", function = new { name = "get_weather", arguments = "" } } } }),
            FakeOpenAi.Chunk(new { tool_calls = new[] { new { index = 0, function = new { arguments = "{\"city\":\"Li" } } } }),
            FakeOpenAi.Chunk(new { tool_calls = new[] { new { index = 0, function = new { arguments = "lle\"}" } } } }),
            FakeOpenAi.Chunk(new { }, "tool_calls"),
            FakeOpenAi.Usage(prompt: 50, completion: 9),
        ]);
        var key = await fixture.IssueKeyAsync();
        var client = new AnthropicClient { ApiKey = key.Key, BaseUrl = fixture.BaseAddress, MaxRetries = 0 };

        var message = await client.Messages.Create(new MessageCreateParams
        {
            MaxTokens = 64,
            Model = "claude-sonnet-4-5",
            Messages = [new UserMessageParam("Weather in Lille?")],
            Tools = [new Tool { Name = "get_weather", InputSchema = new InputSchema { Properties = new Dictionary<string, System.Text.Json.JsonElement>() } }],
        });

        Assert.True(message.Content.Single().TryPickToolUse(out var toolUse));
        Assert.Equal("get_weather", toolUse!.Name);
        Assert.Equal("call_1", toolUse.ID);
        Assert.Equal("Lille", toolUse.Input["city"].GetString());
        Assert.Equal("tool_use", message.StopReason!.Raw());
        Assert.Equal(50, message.Usage.InputTokens);
    }
}
