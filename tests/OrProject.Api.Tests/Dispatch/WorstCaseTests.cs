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
    public void SearchCostUsd_NoSearchTool_Zero()
    {
        Assert.Equal(0m, WorstCase.SearchCostUsd(Sonnet, Request("""{"tools":[{"name":"get_weather","input_schema":{}}]}""")));
    }

    [Fact]
    public void SearchCostUsd_MaxUsesCapsTheSearches_UnsetHoldsTheDefault()
    {
        // Each search: $10 per thousand = $0.01, plus 10,000 result tokens at the $6/M ceiling = $0.06.
        const decimal perSearch = 0.07m;
        var capped = Request("""{"tools":[{"type":"web_search_20250305","name":"web_search","max_uses":3}]}""");
        var unset = Request("""{"tools":[{"type":"web_search_20250305","name":"web_search"}]}""");

        Assert.Equal(3 * perSearch, WorstCase.SearchCostUsd(Sonnet, capped));
        Assert.Equal(WorstCase.DefaultSearches * perSearch, WorstCase.SearchCostUsd(Sonnet, unset));
    }
}
