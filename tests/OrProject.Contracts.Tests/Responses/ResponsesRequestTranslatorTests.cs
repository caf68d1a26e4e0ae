using System.Text.Json.Nodes;
using OrProject.Contracts.Responses;
using OrProject.Contracts.Tests.OpenAI;

namespace OrProject.Contracts.Tests.Responses;

public sealed class ResponsesRequestTranslatorTests
{
    [Theory]
    [InlineData("codex")]
    [InlineData("structured")]
    public void ToCanonical_GoldenRequest_MatchesExpected(string name)
    {
        var result = ResponsesRequestTranslator.ToCanonical(Golden.Object($"Responses/Request/{name}.input.json"));

        Assert.True(result.Succeeded, result.Error?.Message);
        Golden.AssertMatches($"Responses/Request/{name}.expected.json", result.Request);
    }

    [Fact]
    public void ToCanonical_StringInput_IsOneUserTurnAndReportsStream()
    {
        var result = ResponsesRequestTranslator.ToCanonical(
            JsonNode.Parse("""{"model": "m", "input": "Hello", "stream": true}""")!.AsObject());

        Assert.True(result.Stream);
        Golden.AssertJson(
            JsonNode.Parse("""[{"role": "user", "content": [{"type": "text", "text": "Hello"}]}]"""), result.Request!["messages"]);
    }

    [Theory]
    [InlineData("""{"model": "m", "input": "x", "previous_response_id": "resp_1"}""", "previous_response_id")]
    [InlineData("""{"model": "m", "input": [{"type": "reasoning", "id": "rs_1", "summary": []}]}""", "input")]
    [InlineData("""{"model": "m", "input": [{"role": "user", "content": [{"type": "input_image", "file_id": "file-1"}]}]}""", "input[0].content[0]")]
    [InlineData("""{"model": "m", "input": [{"type": "function_call_output", "output": "x"}]}""", "input[0].call_id")]
    public void ToCanonical_Unsupported_IsValidationErrorWithParam(string request, string param)
    {
        var result = ResponsesRequestTranslator.ToCanonical(JsonNode.Parse(request)!.AsObject());

        Assert.False(result.Succeeded);
        Assert.Equal(param, result.Error.Param);
    }
}
