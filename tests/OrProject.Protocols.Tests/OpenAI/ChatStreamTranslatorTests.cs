using OrProject.Contracts.Messaging;
using OrProject.Protocols.OpenAI.Chat;
namespace OrProject.Protocols.Tests.OpenAI;

public sealed class ChatStreamTranslatorTests
{
    [Fact]
    public void Translate_TextStreamWithUsage_MatchesGolden()
    {
        var chunks = Run("text", new ChatStreamTranslator("chatcmpl-1", "gpt-4o", 1700000000, includeUsage: true));

        Golden.AssertMatches("Chat/Stream/text.expected.json", Golden.ChunksAsJson(chunks));
    }

    [Fact]
    public void Translate_ParallelToolCallsAfterThinkingAndText_IndexIsToolOrdinal()
    {
        var chunks = Run("parallel-tools", new ChatStreamTranslator("chatcmpl-2", "gpt-4o", 1700000001, includeUsage: false));

        Golden.AssertMatches("Chat/Stream/parallel-tools.expected.json", Golden.ChunksAsJson(chunks));
    }

    [Fact]
    public void Translate_SignedThinkingThenToolCall_SendsEachBlockWholeWhenItEnds()
    {
        var chunks = Run("thinking-tools", new ChatStreamTranslator("chatcmpl-4", "gpt-4o", 1700000003, includeUsage: false));

        Golden.AssertMatches("Chat/Stream/thinking-tools.expected.json", Golden.ChunksAsJson(chunks));
    }

    [Fact]
    public void Translate_WithoutReasoning_SendsNoThinking()
    {
        var chunks = Run("thinking-tools", new ChatStreamTranslator("c", "m", 1, includeUsage: false, includeReasoning: false));

        Assert.DoesNotContain(chunks, c => c.Contains("thinking", StringComparison.Ordinal) || c.Contains("reasoning", StringComparison.Ordinal));
    }

    [Fact]
    public void Translate_ErrorMidStream_EmitsErrorChunkAndStops()
    {
        var translator = new ChatStreamTranslator("chatcmpl-3", "gpt-4o", 1700000002, includeUsage: true);

        var chunks = Run("error", translator);

        Golden.AssertMatches("Chat/Stream/error.expected.json", Golden.ChunksAsJson(chunks));
        Assert.True(translator.Failed);
    }

    [Fact]
    public void Translate_ArgumentFragment_IsForwardedBeforeBlockStops()
    {
        var translator = new ChatStreamTranslator("c", "m", 1, includeUsage: false);
        var events = Golden.Events("Chat/Stream/parallel-tools.input.sse");
        var fragment = events.First(e => e.Data.Contains("\\\"Paris\\\"", StringComparison.Ordinal));

        foreach (var e in events.TakeWhile(e => e != fragment))
        {
            translator.Translate(e);
        }

        var chunk = Assert.Single(translator.Translate(fragment));
        Assert.Contains("\\\"Paris\\\"}", chunk, StringComparison.Ordinal);
    }

    [Fact]
    public void Finish_StreamCutBeforeMessageStop_SendsFinishAndUsageOnce()
    {
        var translator = new ChatStreamTranslator("c", "m", 1, includeUsage: true);
        foreach (var e in Golden.Events("Chat/Stream/text.input.sse").SkipLast(2))
        {
            translator.Translate(e);
        }

        var end = Golden.ChunksAsJson(translator.Finish());

        Assert.Equal(2, end.Count);
        Assert.Equal("stop", (string?)end[0]!["choices"]![0]!["finish_reason"]);
        Assert.Equal(125, (int)end[1]!["usage"]!["prompt_tokens"]!);
        Assert.Empty(translator.Finish());
        Assert.True(translator.Completed);
    }

    [Fact]
    public void Translate_WithoutIncludeUsage_HasNoUsageFieldAnywhere()
    {
        var chunks = Run("text", new ChatStreamTranslator("c", "m", 1, includeUsage: false));

        Assert.All(chunks, c => Assert.DoesNotContain("\"usage\"", c, StringComparison.Ordinal));
        Assert.Equal(4, chunks.Count);
    }

    private static List<string> Run(string fixture, ChatStreamTranslator translator)
    {
        var chunks = new List<string>();
        foreach (SseEvent e in Golden.Events($"Chat/Stream/{fixture}.input.sse"))
        {
            chunks.AddRange(translator.Translate(e));
        }

        chunks.AddRange(translator.Finish());
        return chunks;
    }
}
