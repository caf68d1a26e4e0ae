using System.Text.Json.Nodes;
using OrProject.Protocols.OpenAI;
using OrProject.Protocols.OpenAI.Upstream;
namespace OrProject.Protocols.Tests.OpenAI;

public sealed class OpenAiUpstreamRequestTests
{
    private const string LongName = "mcp__github_enterprise_server__create_pull_request_review_comment_reply";

    [Theory]
    [InlineData("claude-code")]
    [InlineData("media")]
    public void FromCanonical_GoldenRequest_MatchesExpected(string name)
    {
        var result = OpenAiUpstreamRequest.FromCanonical(
            Golden.Object($"Upstream/Request/{name}.input.json"), new OpenAiUpstreamOptions { Model = "gpt-4.1" });

        Golden.AssertMatches($"Upstream/Request/{name}.expected.json", result.Body);
    }

    [Fact]
    public void FromCanonical_LongAndInvalidToolNames_AreShortenedAndMappedBack()
    {
        var result = OpenAiUpstreamRequest.FromCanonical(Golden.Object("Upstream/Request/claude-code.input.json"));

        Assert.Equal(2, result.ToolNames.Renamed.Count);
        foreach (var tool in result.Body["tools"]!.AsArray())
        {
            var upstream = (string)tool!["function"]!["name"]!;
            Assert.True(ToolNameMap.IsValid(upstream), upstream);
        }

        Assert.Equal(LongName, result.ToolNames.ToOriginal(ToolNameMap.Shorten(LongName)));
        Assert.Equal("Bash", result.ToolNames.ToOriginal("Bash"));
    }

    [Fact]
    public void Shorten_SameName_IsDeterministicAndAtMost64()
    {
        var first = ToolNameMap.Shorten(LongName);

        Assert.Equal(first, ToolNameMap.Shorten(LongName));
        Assert.Equal(64, first.Length);
        Assert.NotEqual(first, ToolNameMap.Shorten(LongName + "2"));
        Assert.Equal("Read", ToolNameMap.Shorten("Read"));
    }

    [Fact]
    public void FromCanonical_ToolResultWithOnlyImage_MovesImageAndLeavesNote()
    {
        var request = JsonNode.Parse("""
            {"model": "m", "max_tokens": 10, "messages": [
              {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "shot", "input": {}}]},
              {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": [
                {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "AAA"}}]}]}]}
            """)!.AsObject();

        var messages = OpenAiUpstreamRequest.FromCanonical(request).Body["messages"]!.AsArray();

        Assert.Equal(3, messages.Count);
        Assert.Equal("tool", (string?)messages[1]!["role"]);
        Assert.False(string.IsNullOrEmpty((string?)messages[1]!["content"]));
        Assert.Equal("data:image/jpeg;base64,AAA", (string?)messages[2]!["content"]![0]!["image_url"]!["url"]);
    }

    [Fact]
    public void FromCanonical_NonStreamingWithMaxTokensOption_UsesLegacyFields()
    {
        var request = JsonNode.Parse("""{"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}], "thinking": {"type": "adaptive"}}""")!.AsObject();

        var body = OpenAiUpstreamRequest.FromCanonical(
            request, new OpenAiUpstreamOptions { Stream = false, UseMaxCompletionTokens = false, SendReasoningEffort = false }).Body;

        Assert.Equal(10, (int)body["max_tokens"]!);
        Assert.False((bool)body["stream"]!);
        Assert.False(body.ContainsKey("stream_options"));
        Assert.False(body.ContainsKey("reasoning_effort"));
    }

    [Fact]
    public void FromCanonical_WithoutThinking_KeepsSamplingAndCapsStopAtFour()
    {
        var request = JsonNode.Parse("""
            {"model": "m", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}],
             "temperature": 0.3, "top_p": 0.9, "top_k": 5, "stop_sequences": ["a", "b", "c", "d", "e"]}
            """)!.AsObject();

        var body = OpenAiUpstreamRequest.FromCanonical(request).Body;

        Assert.Equal(0.3, (double)body["temperature"]!);
        Assert.Equal(0.9, (double)body["top_p"]!);
        Assert.False(body.ContainsKey("top_k"));
        Golden.AssertJson(JsonNode.Parse("""["a", "b", "c", "d"]"""), body["stop"]);
    }

    [Theory]
    [InlineData("""{"type": "enabled", "budget_tokens": 2048}""", null, "low")]
    [InlineData("""{"type": "enabled", "budget_tokens": 8192}""", null, "medium")]
    [InlineData("""{"type": "adaptive"}""", null, "medium")]
    [InlineData("""{"type": "adaptive"}""", "max", "high")]
    [InlineData("""{"type": "disabled"}""", "high", null)]
    public void FromCanonical_Thinking_MapsToEffortBucket(string thinking, string? effort, string? expected)
    {
        var request = JsonNode.Parse("""{"model": "m", "max_tokens": 20000, "messages": [{"role": "user", "content": "hi"}]}""")!.AsObject();
        request["thinking"] = JsonNode.Parse(thinking);
        if (effort is not null)
        {
            request["output_config"] = new JsonObject { ["effort"] = effort };
        }

        var body = OpenAiUpstreamRequest.FromCanonical(request).Body;

        Assert.Equal(expected, (string?)body["reasoning_effort"]);
    }
}
