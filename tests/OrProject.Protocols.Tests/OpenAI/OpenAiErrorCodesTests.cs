using OrProject.Protocols.OpenAI;

namespace OrProject.Protocols.Tests.OpenAI;

public sealed class OpenAiErrorCodesTests
{
    [Theory]
    [InlineData("prompt is too long: 210345 tokens > 200000 maximum", "context_length_exceeded")]
    [InlineData("input length and `max_tokens` exceed context limit: 190000 + 64000 > 200000", "context_length_exceeded")]
    [InlineData("This model's maximum context length is 128000 tokens.", "context_length_exceeded")]
    [InlineData("messages.0.content: Field required", null)]
    [InlineData("context_management: unknown strategy", null)]
    public void For_InvalidRequest_ContextOverflowOnlyWhenItIsOne(string message, string? code) =>
        Assert.Equal(code, OpenAiErrorCodes.For("invalid_request_error", message));
}
