using OrProject.Contracts.Pricing;

namespace OrProject.Contracts.Tests;

public sealed class PriceCatalogFallbackTests
{
    /// <summary>
    /// A listed id, or a dated name of one, is priced as that model; an unlisted <c>claude-*</c> name as the first
    /// (newest) row of its family, so it is never served free.
    /// </summary>
    [Theory]
    [InlineData("claude-fable-5-1", "claude-fable-5-1")]
    [InlineData("claude-opus-4-5-20251101", "claude-opus-4-5")]
    [InlineData("claude-opus-5-5-20261001", "claude-opus-5-5")]
    [InlineData("claude-sonnet-5-20260630", "claude-sonnet-5")]
    [InlineData("claude-opus-4-1-20250805", "claude-opus-4-1")]
    [InlineData("claude-sonnet-4-20250514", "claude-sonnet-4-20250514")]
    [InlineData("claude-3-7-sonnet-latest", "claude-3-7-sonnet")]
    [InlineData("claude-opus-4@20250514", "claude-opus-4-20250514")] // Google Cloud's dated form
    [InlineData("claude-sonnet-4-5@20250929", "claude-sonnet-4-5")]
    [InlineData("claude-opus-5-6", "claude-opus-5-5")]              // a version of its own, not a dated claude-opus-5
    [InlineData("claude-opus-4-10", "claude-opus-5-5")]             // nor claude-opus-4-1
    [InlineData("claude-fable-5-2", "claude-fable-5-1")]
    [InlineData("claude-opus-6", "claude-opus-5-5")]
    [InlineData("claude-3-opus-20240229", "claude-opus-5-5")]
    [InlineData("claude-sonnet-6-1", "claude-sonnet-5-5")]
    [InlineData("claude-haiku-4-9-20270101", "claude-haiku-5-5")]
    [InlineData("claude-fable-6", "claude-fable-5-1")]
    [InlineData("claude-mythos-6", "claude-mythos-5-1")]
    public void Find_ListedDatedOrNewerClaudeName_PricedAsItsRow(string served, string expected)
    {
        Assert.Equal(expected, PriceCatalog.Find(PriceCatalog.Default, served)?.Id);
    }

    [Fact]
    public void Find_NonClaudeUnknownModel_HasNoPrice()
    {
        Assert.Null(PriceCatalog.Find(PriceCatalog.Default, "llama-3-70b"));
    }

    /// <summary>A few rows against Anthropic's list prices (docs/model-table.md), including each rate that breaks the usual ratios.</summary>
    [Theory]
    [InlineData("claude-opus-4-7", "5", "25", "6.25", "10", "0.5")]
    [InlineData("claude-opus-5-5", "4", "20", "5", "8", "0.2")]
    [InlineData("claude-fable-5-1", "10", "50", "12.5", "20", "0.25")]
    [InlineData("claude-sonnet-5-5", "2", "10", "2.5", "4", "0.1")]
    [InlineData("claude-haiku-4-5", "1", "5", "1.25", "2", "0.1")]
    [InlineData("claude-opus-4-1", "15", "75", "18.75", "30", "1.5")]
    [InlineData("claude-3-5-haiku", "0.8", "4", "1", "1.6", "0.08")]
    [InlineData("claude-haiku-5-5", "0.1", "0.5", "0.125", "0.2", "0.01")]
    public void Default_ListPrices(string model, string input, string output, string write5m, string write1h, string read)
    {
        var row = PriceCatalog.Default.Single(p => p.Id == model);

        Assert.Equal([D(input), D(output), D(write5m), D(write1h), D(read)],
            [row.InputUsdPerMTok, row.OutputUsdPerMTok, row.CacheWriteUsdPerMTok, PriceCatalog.CacheWrite1hUsdPerMTok(row), row.CacheReadUsdPerMTok]);
    }

    /// <summary>
    /// Haiku 5.5 is billed by the prompt's length, cache reads and writes included: up to 100,000 tokens at its list
    /// rates, every token of a longer one (output too) at five times them.
    /// </summary>
    [Theory]
    [InlineData(60_000, 0, 40_000, "0.0074")]      // (60,000 × 0.10 + 40,000 × 0.01 + 2,000 × 0.50) / 1e6: 100,000 tokens, short
    [InlineData(60_000, 1, 40_000, "0.037000625")] // one cache-write token more: long, five times (… + 1 × 0.125) / 1e6
    public void Cost_HaikuFiveFive_ByTheLengthOfThePrompt(long input, long cacheWrite, long cacheRead, string expected)
    {
        var haiku = PriceCatalog.Default.Single(p => p.Id == "claude-haiku-5-5");

        Assert.Equal(D(expected), PriceCatalog.Cost(haiku, input, output: 2_000, cacheWrite, cacheRead));
    }

    private static decimal D(string value) => decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
}
