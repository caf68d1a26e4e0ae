using System.Text.Json.Nodes;
using OrProject.Contracts.Pricing;
using OrProject.Protocols.OpenAI;
using OrProject.Protocols.OpenAI.Chat;

namespace OrProject.Protocols.Tests.OpenAI;

public sealed class ModelFitTests
{
    [Theory]
    [InlineData("claude-sonnet-4-5-20250929", 64_000, false)]
    [InlineData("claude-sonnet-4-20250514", 64_000, false)]
    [InlineData("claude-opus-4-1-20250805", 32_000, false)]
    [InlineData("claude-haiku-4-5", 64_000, false)]
    [InlineData("claude-3-5-haiku-latest", 8192, false)]
    [InlineData("claude-3-7-sonnet-20250219", 64_000, false)]
    [InlineData("claude-sonnet-4-6", 128_000, true)]
    [InlineData("claude-opus-4-7", 128_000, true)]
    [InlineData("claude-opus-4-5", 64_000, false)]
    [InlineData("claude-sonnet-5-5", 128_000, true)]
    [InlineData("claude-haiku-5-5", 128_000, true)]
    [InlineData("claude-fable-5-1", 128_000, true)]
    [InlineData("gpt-4o-mini", ModelLimits.UnknownMaxOutputTokens, false)]
    public void ModelLimits_ModelIds_PlacedByFamilyAndVersion(string model, int maxOutput, bool adaptive)
    {
        Assert.Equal(maxOutput, ModelLimits.MaxOutputTokens(model));
        Assert.Equal(adaptive, ModelLimits.ThinksAdaptively(model));
    }

    [Fact]
    public void Apply_NoMaxTokensFromTheClient_GetsTheModelsOutputLimitAndABudgetThatLeavesRoom()
    {
        var original = JsonNode.Parse("""{"model": "claude-sonnet-4-5", "reasoning_effort": "high"}""")!.AsObject();
        var canonical = ChatRequestTranslator.ToCanonical(With(original)).Request!;

        ModelFit.Apply(canonical, original, "claude-sonnet-4-5-20250929", ModelLimits.MaxOutputTokens("claude-sonnet-4-5-20250929"));

        Assert.Equal(64_000, (int)canonical["max_tokens"]!);
        Assert.Equal(16_384, (int)canonical["thinking"]!["budget_tokens"]!);
    }

    [Fact]
    public void Apply_SmallMaxTokens_BudgetIsAtMostHalf()
    {
        var original = JsonNode.Parse("""{"model": "m", "max_completion_tokens": 6000, "reasoning_effort": "high"}""")!.AsObject();
        var canonical = ChatRequestTranslator.ToCanonical(With(original)).Request!;

        ModelFit.Apply(canonical, original, "claude-sonnet-4-5", ModelLimits.MaxOutputTokens("claude-sonnet-4-5"));

        Assert.Equal(6000, (int)canonical["max_tokens"]!);
        Assert.Equal(3000, (int)canonical["thinking"]!["budget_tokens"]!);
    }

    [Fact]
    public void Apply_TooSmallForTheMinimumBudget_NoThinking()
    {
        var original = JsonNode.Parse("""{"model": "m", "max_tokens": 1500, "reasoning_effort": "medium"}""")!.AsObject();
        var canonical = ChatRequestTranslator.ToCanonical(With(original)).Request!;

        ModelFit.Apply(canonical, original, "claude-sonnet-4-5", ModelLimits.MaxOutputTokens("claude-sonnet-4-5"));

        Assert.False(canonical.ContainsKey("thinking"));
    }

    [Theory]
    [InlineData("low", "claude-sonnet-4-6", "low")]
    [InlineData("minimal", "claude-sonnet-4-6", "low")]
    [InlineData("medium", "claude-opus-4-7", "medium")]
    [InlineData("high", "claude-opus-4-7", "high")]
    [InlineData("xhigh", "claude-opus-4-7", "max")]
    [InlineData("xhigh", "claude-sonnet-4-6", "high")]
    public void Apply_AdaptiveModel_EffortWordInsteadOfABudget(string effort, string model, string expected)
    {
        var original = JsonNode.Parse($$"""{"model": "m", "max_tokens": 20000, "reasoning": {"effort": "{{effort}}"}, "input": "hi"}""")!.AsObject();
        var canonical = OrProject.Protocols.OpenAI.Responses.ResponsesRequestTranslator.ToCanonical(original.DeepClone().AsObject()).Request!;

        ModelFit.Apply(canonical, original, model, ModelLimits.MaxOutputTokens(model));

        Golden.AssertJson(JsonNode.Parse("""{"type": "adaptive"}"""), canonical["thinking"]);
        Assert.Equal(expected, (string?)canonical["output_config"]!["effort"]);
    }

    [Fact]
    public void Apply_NoEffort_LeavesThinkingOff()
    {
        var original = JsonNode.Parse("""{"model": "m", "messages": [{"role": "user", "content": "hi"}]}""")!.AsObject();
        var canonical = ChatRequestTranslator.ToCanonical(original.DeepClone().AsObject()).Request!;

        ModelFit.Apply(canonical, original, "claude-opus-4-7", ModelLimits.MaxOutputTokens("claude-opus-4-7"));

        Assert.False(canonical.ContainsKey("thinking"));
        Assert.False(canonical.ContainsKey("output_config"));
    }

    [Fact]
    public void Limits_TheModelTablesOwnRow_OverridesWhatTheIdImplies()
    {
        var row = new Contracts.Events.ModelPrice("claude-sonnet-4-5", 3m, 15m, 3.75m, 0.3m, MaxOutputTokens: 1000, ContextWindow: 1_000_000);

        Assert.Equal(1000, ModelLimits.MaxOutputTokens(row, "claude-sonnet-4-5"));
        Assert.Equal(1000, ModelLimits.DefaultMaxTokens(row, "CLAUDE-SONNET-4-5"));
        Assert.Equal(1_000_000, ModelLimits.ContextWindow(row, "claude-sonnet-4-5"));
    }

    [Fact]
    public void Limits_ARowPricingAnotherModel_LendsNoLimits()
    {
        var familyRow = new Contracts.Events.ModelPrice("claude-opus-4-1", 15m, 75m, 18.75m, 1.5m, MaxOutputTokens: 32_000);

        Assert.Equal(128_000, ModelLimits.MaxOutputTokens(familyRow, "claude-opus-4-7"));
        Assert.Equal(1_000_000, ModelLimits.ContextWindow(familyRow, "claude-opus-4-7"));
    }

    [Theory]
    [InlineData("claude-haiku-4-5", 200_000)]
    [InlineData("claude-sonnet-4-5-20250929", 200_000)]
    [InlineData("claude-sonnet-4-6", 1_000_000)]
    [InlineData("claude-opus-4-8", 1_000_000)]
    [InlineData("claude-sonnet-5", 1_000_000)]
    [InlineData("claude-opus-5-5-20261001", 1_000_000)]
    [InlineData("claude-mythos-5-1", 1_000_000)]
    public void KnownContextWindow_ByGeneration(string model, int window)
    {
        Assert.Equal(window, ModelLimits.KnownContextWindow(model));
    }

    [Fact]
    public void Limits_AModelNeitherKnows_UncheckedWithAModestDefault()
    {
        var row = new Contracts.Events.ModelPrice("gpt-4o-mini", 0.15m, 0.6m, 0m, 0m);

        Assert.Null(ModelLimits.MaxOutputTokens(row, "gpt-4o-mini"));
        Assert.Null(ModelLimits.ContextWindow(row, "gpt-4o-mini"));
        Assert.Equal(ModelLimits.UnknownMaxOutputTokens, ModelLimits.DefaultMaxTokens(row, "gpt-4o-mini"));
    }

    private static JsonObject With(JsonObject original)
    {
        var request = original.DeepClone().AsObject();
        request["messages"] = JsonNode.Parse("""[{"role": "user", "content": "hi"}]""");
        return request;
    }
}
