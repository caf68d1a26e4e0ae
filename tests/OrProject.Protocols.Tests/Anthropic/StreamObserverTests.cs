using System.Text.Json;
using OrProject.Contracts.Messaging;
using OrProject.Protocols.Anthropic;

namespace OrProject.Protocols.Tests.Anthropic;

public sealed class StreamObserverTests
{
    private const string Start = """{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1,"cache_creation_input_tokens":100,"cache_read_input_tokens":2000}}}""";

    private static StreamObserver Observe(params (string Event, string Data)[] events)
    {
        var observer = new StreamObserver();
        foreach (var (name, data) in events)
        {
            observer.Observe(new SseEvent(name, data));
        }

        return observer;
    }

    private static (string, string) TextDelta(string text) =>
        ("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":""" + JsonSerializer.Serialize(text) + "}}");

    private static (string, string) MessageDelta(string? stopReason, string usage) =>
        ("message_delta", """{"type":"message_delta","delta":{"stop_reason":""" + JsonSerializer.Serialize(stopReason) +
            ""","stop_sequence":null},"usage":""" + usage + "}");

    [Fact]
    public void Observe_MessageStart_ReadsUsageModelAndId()
    {
        var observer = Observe(("message_start", Start));

        Assert.True(observer.Started);
        Assert.False(observer.Stopped);
        Assert.Equal("msg_1", observer.MessageId);
        Assert.Equal("claude-sonnet-4-5-20250929", observer.Model);
        Assert.Equal(new TokenUsage(25, 1, 100, 2000), observer.Usage);
    }

    [Fact]
    public void Observe_SeveralMessageDeltas_UsageIsLatestNotSum()
    {
        var observer = Observe(
            ("message_start", Start),
            MessageDelta(null, """{"output_tokens":10}"""),
            MessageDelta("end_turn", """{"output_tokens":42}"""),
            ("message_stop", """{"type":"message_stop"}"""));

        Assert.Equal(new TokenUsage(25, 42, 100, 2000), observer.Usage);
        Assert.Equal("end_turn", observer.StopReason);
        Assert.True(observer.Stopped);
    }

    [Fact]
    public void Observe_MessageDeltaWithInputAndCache_ReplacesThemAndNullsKeepEarlier()
    {
        var observer = Observe(
            ("message_start", Start),
            MessageDelta("tool_use", """{"input_tokens":30,"output_tokens":7,"cache_creation_input_tokens":null,"cache_read_input_tokens":2500}"""));

        Assert.Equal(new TokenUsage(30, 7, 100, 2500), observer.Usage);
        Assert.Equal("tool_use", observer.StopReason);
    }

    [Fact]
    public void Observe_OneHourCacheWritesAndWebSearches_ReadFromNestedUsage()
    {
        var start = Start.Replace("\"cache_read_input_tokens\":2000}", "\"cache_read_input_tokens\":2000," +
            "\"cache_creation\":{\"ephemeral_5m_input_tokens\":40,\"ephemeral_1h_input_tokens\":60},\"server_tool_use\":null}", StringComparison.Ordinal);

        var observer = Observe(("message_start", start),
            MessageDelta("end_turn", """{"output_tokens":9,"server_tool_use":{"web_search_requests":2}}"""));

        Assert.Equal(new TokenUsage(25, 9, 100, 2000, 60, 2), observer.Usage);
    }

    [Fact]
    public void Observe_MessageDeltaCumulativeSearches_LatestWinsAndNullsKeepEarlier()
    {
        var observer = Observe(
            ("message_start", Start),
            MessageDelta(null, """{"output_tokens":3,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":100},"server_tool_use":{"web_search_requests":1}}"""),
            MessageDelta("end_turn", """{"output_tokens":8,"cache_creation":null,"server_tool_use":{"web_search_requests":3}}"""));

        Assert.Equal(100, observer.Usage.CacheCreation1hInputTokens);
        Assert.Equal(3, observer.Usage.WebSearchRequests);
        Assert.Equal(3, observer.ObservedUsage().WebSearchRequests);
    }

    [Fact]
    public void Observe_UsageWithoutNewFields_ZeroOneHourAndSearches()
    {
        var usage = Observe(("message_start", Start)).Usage;

        Assert.Equal(0, usage.CacheCreation1hInputTokens);
        Assert.Equal(0, usage.WebSearchRequests);
    }

    [Fact]
    public void Observe_NoMessageStop_NotStopped()
    {
        var observer = Observe(("message_start", Start), MessageDelta("end_turn", """{"output_tokens":3}"""));

        Assert.Equal("end_turn", observer.StopReason);
        Assert.False(observer.Stopped);
    }

    [Fact]
    public void Observe_TextArgumentAndThinkingDeltas_CountsTheirCharactersButNotSignatures()
    {
        var observer = Observe(
            ("message_start", Start),
            TextDelta("abcd"),
            ("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"a\":1}"}}"""),
            ("content_block_delta", """{"type":"content_block_delta","index":2,"delta":{"type":"thinking_delta","thinking":"hmm"}}"""),
            ("content_block_delta", """{"type":"content_block_delta","index":2,"delta":{"type":"signature_delta","signature":"EqQBsignature"}}"""),
            ("ping", "not json at all"));

        Assert.Equal(4 + 7 + 3, observer.OutputCharacters);
    }

    [Theory]
    [InlineData("say \"hi\"\n", 9)] // escapes count as the characters they stand for
    [InlineData("héllo wörld", 11)]
    [InlineData("😀 ok", 5)] // UTF-16 code units, as string.Length counts
    public void Observe_TextDelta_CountsTheUnescapedCharacters(string text, int expected)
    {
        Assert.Equal(expected, text.Length);
        Assert.Equal(expected, Observe(TextDelta(text)).OutputCharacters);
    }

    [Fact]
    public void Observe_LongDelta_CountsAllOfIt()
    {
        var text = string.Concat(Enumerable.Repeat("añ\\", 2000));

        Assert.Equal(text.Length, Observe(TextDelta(text)).OutputCharacters);
    }

    [Fact]
    public void Observe_TextOutsideTheDelta_IsNotCounted()
    {
        var observer = Observe(("content_block_delta",
            """{"type":"content_block_delta","index":0,"extra":{"text":"not this"},"delta":{"type":"text_delta","text":"ab"}}"""));

        Assert.Equal(2, observer.OutputCharacters);
    }

    [Fact]
    public void Observe_MalformedDeltaAfterItsText_IsRejected()
    {
        Assert.ThrowsAny<JsonException>(() =>
            Observe(("content_block_delta", """{"type":"content_block_delta","delta":{"type":"text_delta","text":"ab"}} trailing""")));
    }

    [Theory]
    [InlineData("abcdefghijkl", 3)]
    [InlineData("abcdefghijklm", 4)]
    [InlineData("a", 1)]
    public void ObservedUsage_CutBeforeFinalUsage_OutputAtLeastCharactersOverFour(string text, long expected)
    {
        var observer = Observe(("message_start", Start), TextDelta(text));

        var usage = observer.ObservedUsage();

        Assert.Equal(expected, usage.OutputTokens);
        Assert.Equal(25, usage.InputTokens);
        Assert.Equal(100, usage.CacheCreationInputTokens);
        Assert.Equal(2000, usage.CacheReadInputTokens);
    }

    [Fact]
    public void ObservedUsage_ReportedOutputAboveEstimate_KeepsReported()
    {
        var observer = Observe(("message_start", Start), TextDelta("abcd"), MessageDelta(null, """{"output_tokens":50}"""));

        Assert.Equal(50, observer.ObservedUsage().OutputTokens);
    }

    [Fact]
    public void ObservedUsage_NothingSeen_IsZero()
    {
        Assert.Equal(TokenUsage.Zero, new StreamObserver().ObservedUsage());
    }
}
