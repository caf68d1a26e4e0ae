using System.Text.Json.Nodes;
using OrProject.Api.Dispatch;
using OrProject.Contracts.Events;
using OrProject.Contracts.Pricing;

namespace OrProject.Api.Tests.Dispatch;

public sealed class WorstCaseTests
{
    /// <summary>$3 / $15 per million, 5-minute writes $3.75, 1-hour writes $6: the input ceiling is the 1-hour write.</summary>
    private static readonly ModelPrice Sonnet = PriceCatalog.Price("claude-sonnet-4-5", 3m, 15m);

    private static JsonObject Request(string json) => JsonNode.Parse(json)!.AsObject();

    [Fact]
    public void InputTokens_TextOnly_BytesPlusFraming()
    {
        var request = Request("""{"messages":[{"role":"user","content":"hello"}]}""");

        Assert.Equal(500 + WorstCase.FramingTokens, WorstCase.InputTokens(request, utf8Bytes: 500));
    }

    [Fact]
    public void InputTokens_ImagesInSystemMessagesAndToolResults_EachCounted()
    {
        // An image given by URL is a few bytes here and ~1,600 tokens upstream: every one must be counted, wherever it is.
        var request = Request("""
            {"system":[{"type":"image","source":{"type":"url","url":"u"}}],
             "messages":[
               {"role":"user","content":[{"type":"image","source":{"type":"url","url":"u"}},{"type":"text","text":"and"},
                                         {"type":"image","source":{"type":"url","url":"u"}}]},
               {"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":[{"type":"image","source":{"type":"url","url":"u"}}]}]},
               {"role":"assistant","content":"plain text"}]}
            """);

        Assert.Equal(100 + WorstCase.FramingTokens + (4 * WorstCase.TokensPerImage), WorstCase.InputTokens(request, 100));
    }

    [Fact]
    public void CostUsd_InputAtTheDearestWayItCanBeBilled()
    {
        // 1M input at the 1-hour write price ($6, not $3) plus 1M output at $15.
        Assert.Equal(21m, WorstCase.CostUsd(Sonnet, 1_000_000, 1_000_000));
    }

    [Fact]
    public void CostUsd_OldPriceRowWithoutOneHourPrice_CeilingIsTwiceInput()
    {
        var old = new ModelPrice("m", 3m, 15m, 3.75m, 0.3m);

        Assert.Equal(6m, WorstCase.InputCeilingUsdPerMTok(old));
    }

    [Fact]
    public void AffordableMaxTokens_ExactlyTheLargestThatFits()
    {
        // $1 available, 100k input tokens at $6/M = $0.60, leaving $0.40 = 26,666.6 output tokens at $15/M.
        var max = WorstCase.AffordableMaxTokens(Sonnet, 100_000, 1m);

        Assert.Equal(26_666, max);
        Assert.True(WorstCase.CostUsd(Sonnet, 100_000, max) <= 1m);
        Assert.True(WorstCase.CostUsd(Sonnet, 100_000, max + 1) > 1m);
    }

    [Theory]
    [InlineData(0.6)] // the input alone takes it all
    [InlineData(0.5)] // the input alone does not fit
    public void AffordableMaxTokens_InputAloneUsesTheBudget_Zero(double available)
    {
        Assert.Equal(0, WorstCase.AffordableMaxTokens(Sonnet, 100_000, (decimal)available));
    }

    [Fact]
    public void AffordableMaxTokens_FreeOutput_Unbounded()
    {
        Assert.Equal(long.MaxValue, WorstCase.AffordableMaxTokens(PriceCatalog.Price("free", 1m, 0m), 1_000, 0m));
    }

    [Fact]
    public void Searches_NoSearchTool_None()
    {
        Assert.Equal(0, WorstCase.Searches(Request("""{"tools":[{"name":"get_weather","input_schema":{}}]}""")));
    }

    [Fact]
    public void Searches_MaxUsesCapsThem_UnsetHoldsTheDefault_FeesPerThousand()
    {
        var capped = Request("""{"tools":[{"type":"web_search_20250305","name":"web_search","max_uses":3}]}""");
        var unset = Request("""{"tools":[{"type":"web_search_20250305","name":"web_search"}]}""");

        Assert.Equal(3, WorstCase.Searches(capped));
        Assert.Equal(WorstCase.DefaultSearches, WorstCase.Searches(unset));
        Assert.Equal(0.03m, WorstCase.SearchFeesUsd(Sonnet, 3)); // $10 a thousand
    }

    /// <summary>Haiku 5.5's bands: $0.10/$0.50 up to 100,000 prompt tokens, five times that above (the ceiling is the 1-hour write, 2× input).</summary>
    private static readonly ModelPrice Banded = PriceCatalog.Price("banded", 0.10m, 0.50m) with
    {
        LongPromptAboveTokens = 100_000, LongPromptInputFactor = 5m, LongPromptOutputFactor = 5m,
    };

    [Theory]
    [InlineData(100_000, 1_000, "0.0205")]   // 100,000 × $0.20/M + 1,000 × $0.50/M: the short band, up to the threshold
    [InlineData(100_001, 1_000, "0.102501")] // one token more may be a long prompt: every rate five times over
    public void CostUsd_BandedModel_DearerBandOnceTheBoundPassesTheThreshold(long input, long maxTokens, string expected)
    {
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), WorstCase.CostUsd(Banded, input, maxTokens));
    }

    [Fact]
    public void CostUsd_BandedModel_NeverBelowWhatTheUpstreamCanCharge()
    {
        // A bound past the threshold, a real prompt either side of it: the hold covers both.
        var hold = WorstCase.CostUsd(Banded, 150_000, 4_000);

        Assert.True(hold >= PriceCatalog.Cost(Banded, input: 99_000, output: 4_000, cacheWrite: 0, cacheRead: 0));
        Assert.True(hold >= PriceCatalog.Cost(Banded, input: 0, output: 4_000, cacheWrite: 150_000, cacheRead: 0, cacheWrite1h: 150_000));
    }

    [Fact]
    public void AffordableMaxTokens_BandedModel_PricesOutputInThePromptsBand()
    {
        var max = WorstCase.AffordableMaxTokens(Banded, 200_000, 1m);

        Assert.True(WorstCase.CostUsd(Banded, 200_000, max) <= 1m);
        Assert.True(WorstCase.CostUsd(Banded, 200_000, max + 1) > 1m);
    }
}
