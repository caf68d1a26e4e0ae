namespace OrProject.Testing;

/// <summary>Stream scripts with thinking blocks, as Anthropic sends them when <c>thinking</c> is enabled.</summary>
public static class FakeAnthropicThinking
{
    /// <summary>
    /// A signed thinking block streamed in two deltas, then a tool_use block whose input arrives as one fragment,
    /// ending with <c>stop_reason: tool_use</c>.
    /// </summary>
    public static IEnumerable<(string, object)> ThinkingThenToolUse(string thinking, string signature, string toolId, string toolName,
        string inputJson, long inputTokens = 25, long outputTokens = 60)
    {
        var half = thinking.Length / 2;
        yield return FakeAnthropic.Start(inputTokens);
        yield return FakeAnthropic.BlockStart(0, new { type = "thinking", thinking = "", signature = "" });
        yield return FakeAnthropic.BlockDelta(0, new { type = "thinking_delta", thinking = thinking[..half] });
        yield return FakeAnthropic.BlockDelta(0, new { type = "thinking_delta", thinking = thinking[half..] });
        yield return FakeAnthropic.BlockDelta(0, new { type = "signature_delta", signature });
        yield return FakeAnthropic.BlockStop(0);
        yield return FakeAnthropic.BlockStart(1, new { type = "tool_use", id = toolId, name = toolName, input = new { } });
        yield return FakeAnthropic.InputJsonDelta(1, inputJson);
        yield return FakeAnthropic.BlockStop(1);
        foreach (var end in FakeAnthropic.End("tool_use", outputTokens))
        {
            yield return end;
        }
    }
}
