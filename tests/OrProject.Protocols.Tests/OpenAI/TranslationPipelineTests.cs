using System.Text;
using System.Text.Json.Nodes;
using OrProject.Protocols.Anthropic;
using OrProject.Protocols.Canonical;
using OrProject.Protocols.OpenAI.Chat;
using OrProject.Protocols.OpenAI.Responses;
using OrProject.Protocols.OpenAI.Upstream;
namespace OrProject.Protocols.Tests.OpenAI;

/// <summary>OpenAI upstream chunks → canonical events → the client's protocol, as the worker and edge chain them.</summary>
public sealed class TranslationPipelineTests
{
    [Theory]
    [InlineData("parallel-tools")]
    [InlineData("no-index-whole-args")]
    [InlineData("reused-index-no-usage")]
    public void UpstreamToChat_ToolCalls_KeepOrdinalIndexAndValidArguments(string fixture)
    {
        var upstream = new OpenAiUpstreamStreamTranslator("msg_1", "m", 10);
        var chat = new ChatStreamTranslator("chatcmpl-1", "m", 1, includeUsage: true);
        var chunks = new List<JsonNode>();
        foreach (var data in Golden.DataLines($"Upstream/Stream/{fixture}.input.txt").Append("[DONE]"))
        {
            foreach (var canonical in upstream.Translate(data))
            {
                chunks.AddRange(chat.Translate(canonical).Select(c => JsonNode.Parse(c)!));
            }
        }

        var arguments = new SortedDictionary<int, StringBuilder>();
        foreach (var call in chunks.SelectMany(c => c["choices"]!.AsArray()).SelectMany(c => c!["delta"]!["tool_calls"]?.AsArray() ?? []))
        {
            var index = (int)call!["index"]!;
            arguments.TryAdd(index, new StringBuilder());
            arguments[index].Append((string?)call["function"]!["arguments"]);
        }

        Assert.Equal(Enumerable.Range(0, 2), arguments.Keys);
        Assert.All(arguments.Values, a => Assert.IsType<JsonObject>(JsonNode.Parse(a.ToString())));
        Assert.Equal("tool_calls", (string?)chunks.SelectMany(c => c["choices"]!.AsArray()).Last()!["finish_reason"]);
        Assert.Empty(chunks[^1]["choices"]!.AsArray());
        Assert.True(chat.Completed);
    }

    [Fact]
    public void UpstreamToResponses_ReasoningAndText_CompletesWithUsage()
    {
        var upstream = new OpenAiUpstreamStreamTranslator("msg_1", "m", 10);
        var responses = new ResponsesStreamTranslator(new ResponsesContext("resp_1", "m", 1));
        var events = Golden.DataLines("Upstream/Stream/reasoning-text.input.txt")
            .SelectMany(upstream.Translate)
            .SelectMany(responses.Translate)
            .ToList();

        var completed = JsonNode.Parse(events[^1].Data)!["response"]!;
        Assert.Equal("response.completed", events[^1].Event);
        Assert.Equal(["reasoning", "message"], completed["output"]!.AsArray().Select(item => (string?)item!["type"]));
        Assert.Equal("Answer is 4.", (string?)completed["output"]![1]!["content"]![0]!["text"]);
        Assert.Equal(100, (int)completed["usage"]!["input_tokens"]!);
        Assert.Equal(60, (int)completed["usage"]!["input_tokens_details"]!["cached_tokens"]!);
    }

    [Fact]
    public void UpstreamToAnthropic_NonStreamingClient_AccumulatesSyntheticThinkingThatIsStrippedForAnthropic()
    {
        var upstream = new OpenAiUpstreamStreamTranslator("msg_1", "m", 10);
        var accumulator = new MessageAccumulator();
        foreach (var e in Golden.DataLines("Upstream/Stream/reasoning-text.input.txt").SelectMany(upstream.Translate))
        {
            accumulator.Add(e);
        }

        var message = accumulator.ToMessage();
        var replay = new JsonObject
        {
            ["messages"] = new JsonArray(
                new JsonObject { ["role"] = "user", ["content"] = "q" },
                new JsonObject { ["role"] = "assistant", ["content"] = message["content"]!.DeepClone() }),
        };

        Assert.True(SyntheticThinking.IsSynthetic(message["content"]![0]));
        Assert.Equal(1, SyntheticThinking.StripFrom(replay));
        Assert.Equal("text", (string?)replay["messages"]![1]!["content"]![0]!["type"]);
    }
}
