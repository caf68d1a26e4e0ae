using System.Text.Json.Nodes;
using OrProject.Contracts.Messaging;
using OrProject.Protocols.Anthropic;
using OrProject.Protocols.OpenAI;
using OrProject.Protocols.OpenAI.Upstream;
namespace OrProject.Protocols.Tests.OpenAI;

public sealed class OpenAiUpstreamStreamTranslatorTests
{
    [Theory]
    [InlineData("reasoning-text")]
    [InlineData("parallel-tools")]
    [InlineData("no-index-whole-args")]
    [InlineData("reused-index-no-usage")]
    [InlineData("error")]
    public void Translate_GoldenStream_MatchesExpected(string name)
    {
        var events = Run(name);

        Golden.AssertMatches($"Upstream/Stream/{name}.expected.json", Golden.EventsAsJson(events));
    }

    [Theory]
    [InlineData("reasoning-text")]
    [InlineData("parallel-tools")]
    [InlineData("no-index-whole-args")]
    [InlineData("reused-index-no-usage")]
    public void Translate_GoldenStream_AccumulatesIntoValidMessage(string name)
    {
        var accumulator = new MessageAccumulator();
        foreach (var e in Run(name))
        {
            accumulator.Add(e);
        }

        var message = accumulator.ToMessage();

        Assert.NotNull(message["stop_reason"]);
        Assert.All(message["content"]!.AsArray().Where(b => (string?)b!["type"] == "tool_use"),
            b => Assert.NotEmpty(b!["input"]!.AsObject()));
    }

    [Fact]
    public void Complete_AfterFinishWithoutDone_TerminatesOnceWithStop()
    {
        var translator = Translator();
        translator.Translate("""{"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":"length"}]}""");

        var end = translator.Complete();

        Assert.Equal(["message_delta", "message_stop"], end.Select(e => e.Event));
        Assert.Contains("\"max_tokens\"", end[0].Data, StringComparison.Ordinal);
        Assert.True(translator.Finished);
        Assert.Empty(translator.Complete());
        Assert.Empty(translator.Translate("[DONE]"));
    }

    [Fact]
    public void Complete_EmptyStream_StillEmitsWellFormedMessage()
    {
        var translator = Translator();

        var events = translator.Complete();

        Assert.Equal(["message_start", "message_delta", "message_stop"], events.Select(e => e.Event));
        Assert.False(translator.Finished);
    }

    [Fact]
    public void Translate_ShortenedToolName_IsMappedBackToOriginal()
    {
        const string original = "mcp__files__read.file";
        var names = new ToolNameMap();
        var upstream = names.ToUpstream(original);
        var translator = new OpenAiUpstreamStreamTranslator("msg_1", "claude-x", 1, names);

        var events = translator.Translate(
            $$$"""{"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c1","function":{"name":"{{{upstream}}}","arguments":"{}"}}]}}]}""");

        var start = JsonNode.Parse(events.Single(e => e.Event == "content_block_start").Data)!;
        Assert.Equal(original, (string?)start["content_block"]!["name"]);
    }

    [Fact]
    public void Translate_RoleOnlyAndEmptyContent_OpensNoBlock()
    {
        var translator = Translator();

        var events = translator.Translate("""{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}""")
            .Concat(translator.Translate("""{"choices":[{"index":0,"delta":{"content":"  \n"}}]}"""));

        Assert.Equal("message_start", Assert.Single(events).Event);
    }

    private static OpenAiUpstreamStreamTranslator Translator() => new("msg_1", "claude-x", 90);

    private static List<SseEvent> Run(string fixture)
    {
        var translator = Translator();
        var events = new List<SseEvent>();
        foreach (var data in Golden.DataLines($"Upstream/Stream/{fixture}.input.txt"))
        {
            events.AddRange(translator.Translate(data));
        }

        events.AddRange(translator.Complete()); // EOF: a no-op after [DONE]
        return events;
    }
}
