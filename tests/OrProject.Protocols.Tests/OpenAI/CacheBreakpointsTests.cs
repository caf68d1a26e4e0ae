using System.Text.Json.Nodes;
using OrProject.Protocols.Canonical;
namespace OrProject.Protocols.Tests.OpenAI;

public sealed class CacheBreakpointsTests
{
    [Fact]
    public void Mark_AgentConversation_LastToolSystemAndLastTwoUserTurns()
    {
        var canonical = JsonNode.Parse("""
            {"model": "m", "max_tokens": 10,
             "tools": [{"name": "a", "input_schema": {"type": "object"}}, {"name": "b", "input_schema": {"type": "object"}}],
             "system": [{"type": "text", "text": "admin"}, {"type": "text", "text": "client"}],
             "messages": [
               {"role": "user", "content": "first"},
               {"role": "assistant", "content": [{"type": "thinking", "thinking": "t", "signature": "s"}, {"type": "tool_use", "id": "1", "name": "a", "input": {}}]},
               {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "1", "content": "r"}]},
               {"role": "assistant", "content": [{"type": "text", "text": "ok"}]},
               {"role": "user", "content": [{"type": "text", "text": "third"}, {"type": "text", "text": ""}]}
             ]}
            """)!.AsObject();

        CacheBreakpoints.Mark(canonical);

        Assert.NotNull(canonical["tools"]![1]!["cache_control"]);
        Assert.Null(canonical["tools"]![0]!["cache_control"]);
        Assert.NotNull(canonical["system"]![1]!["cache_control"]);
        var messages = canonical["messages"]!.AsArray();
        Assert.Equal("first", (string?)messages[0]!["content"]); // the third user turn from the end: not marked, left a string
        Assert.NotNull(messages[2]!["content"]![0]!["cache_control"]);
        Assert.NotNull(messages[4]!["content"]![0]!["cache_control"]); // the empty text block after it cannot carry one
        Assert.Null(messages[4]!["content"]![1]!["cache_control"]);
        Assert.Null(messages[1]!["content"]![0]!["cache_control"]);
    }

    [Fact]
    public void Mark_StringContentAndExistingMarks_ConvertsAndStaysWithinFour()
    {
        var canonical = JsonNode.Parse("""
            {"system": [{"type": "text", "text": "s", "cache_control": {"type": "ephemeral"}}],
             "tools": [{"name": "a", "input_schema": {"type": "object"}, "cache_control": {"type": "ephemeral"}}],
             "messages": [{"role": "user", "content": "one"}, {"role": "assistant", "content": "x"}, {"role": "user", "content": "two"},
                          {"role": "assistant", "content": "y"}, {"role": "user", "content": "three"}]}
            """)!.AsObject();

        CacheBreakpoints.Mark(canonical);

        var json = canonical.ToJsonString();
        Assert.Equal(4, json.Split("cache_control").Length - 1);
        Golden.AssertJson(JsonNode.Parse("""[{"type": "text", "text": "three", "cache_control": {"type": "ephemeral"}}]"""), canonical["messages"]![4]!["content"]);
        Golden.AssertJson(JsonNode.Parse("""[{"type": "text", "text": "two", "cache_control": {"type": "ephemeral"}}]"""), canonical["messages"]![2]!["content"]);
        Assert.Equal("one", (string?)canonical["messages"]![0]!["content"]);
    }
}
