using System.Text.Json;
using Anthropic;
using Anthropic.Models.Messages;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

/// <summary>Tool calls whose arguments arrive only as <c>input_json_delta</c> fragments, the first one empty.</summary>
[Collection(nameof(GatewayCollection))]
public sealed class MessagesToolUseTests(GatewayFixture fixture) : GatewayTest(fixture)
{
    private static readonly string[] Fragments =
        ["", "{\"location\": \"Pa", "ris, Fr", "ance\", \"unit\": \"cel", "sius\", \"days\": [1, ", "2]}"];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Upstream.Respond = (ctx, _) => FakeAnthropic.WriteEventsAsync(ctx, FakeAnthropic.ToolUseStream("toolu_01A", "get_weather", Fragments));
    }

    private static MessageCreateParams Request() => new()
    {
        MaxTokens = 1024,
        Model = Model,
        Messages = [new UserMessageParam("What is the weather in Paris?")],
    };

    [Fact]
    public async Task CreateStreaming_ToolInputInFragments_StreamsEveryFragmentAndAggregatesFullInput()
    {
        var client = await ClientAsync();
        var events = new List<RawMessageStreamEvent>();
        var partials = new List<string>();

        await foreach (var item in client.Messages.CreateStreaming(Request()))
        {
            events.Add(item);
            if (item.TryPickContentBlockDelta(out var delta) && delta!.Delta.TryPickInputJson(out var json))
            {
                Assert.Equal(1, delta.Index);
                partials.Add(json!.PartialJson);
            }
        }

        Assert.Equal(Fragments, partials);
        var message = await events.ToAsyncEnumerable().Aggregate();
        AssertToolCall(message);
    }

    [Fact]
    public async Task Create_ToolInputInFragments_AssemblesInputAndStopsForToolUse()
    {
        var client = await ClientAsync();

        var message = await client.Messages.Create(Request());

        AssertToolCall(message);
        Assert.Equal(25, message.Usage.InputTokens);
        Assert.Equal(40, message.Usage.OutputTokens);
    }

    private static void AssertToolCall(Message message)
    {
        Assert.Equal("tool_use", message.StopReason!.Raw());
        Assert.Equal(2, message.Content.Count);
        Assert.True(message.Content[0].TryPickText(out var text));
        Assert.Equal("Let me check.", text!.Text);
        Assert.True(message.Content[1].TryPickToolUse(out var tool));
        Assert.Equal("toolu_01A", tool!.ID);
        Assert.Equal("get_weather", tool.Name);
        Assert.Equal(3, tool.Input.Count);
        Assert.Equal("Paris, France", tool.Input["location"].GetString());
        Assert.Equal("celsius", tool.Input["unit"].GetString());
        Assert.Equal([1, 2], tool.Input["days"].EnumerateArray().Select(d => d.GetInt32()));
        Assert.Equal(JsonValueKind.Array, tool.Input["days"].ValueKind);
    }

    [Fact]
    public async Task Post_NonStreamingToolFragmentsNotValidJson_ReturnsToolUseWithEmptyInput()
    {
        // An upstream cut off inside a tool call (length limit) leaves invalid JSON: the call keeps an empty input.
        Upstream.Respond = (ctx, _) => FakeAnthropic.WriteEventsAsync(ctx, FakeAnthropic.ToolUseStream("toolu_01A", "get_weather", ["", "{\"location\": "]));
        var key = await Fixture.IssueKeyAsync();

        using var response = await SendAsync(Post("/v1/messages", Body(), key.Key));
        var body = await ReadJsonAsync(response);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Single(response.Headers.GetValues("request-id"));
        Assert.Equal("tool_use", (string?)body["content"]![1]!["type"]);
        Assert.Equal("{}", body["content"]![1]!["input"]!.ToJsonString());
    }
}
