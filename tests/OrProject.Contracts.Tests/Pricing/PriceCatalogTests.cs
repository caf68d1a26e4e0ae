using OrProject.Contracts.Events;
using OrProject.Contracts.Pricing;

namespace OrProject.Contracts.Tests.Pricing;

public sealed class PriceCatalogTests
{
    private static readonly ModelPrice Sonnet = PriceCatalog.Price("claude-sonnet-4-5", 3m, 15m);

    [Fact]
    public void Price_CacheRates_OneAndAQuarterAndOneTenthOfInput()
    {
        Assert.Equal(3.75m, Sonnet.CacheWriteUsdPerMTok);
        Assert.Equal(0.3m, Sonnet.CacheReadUsdPerMTok);
    }

    [Fact]
    public void Cost_EveryTokenKind_ExactDecimal()
    {
        // (1000 × 3 + 200 × 15 + 300 × 3.75 + 4000 × 0.3) / 1,000,000
        Assert.Equal(0.008325m, PriceCatalog.Cost(Sonnet, input: 1_000, output: 200, cacheWrite: 300, cacheRead: 4_000));
    }

    [Theory]
    [InlineData(1_000_000, 0, 0, 0, "3")]
    [InlineData(0, 1_000_000, 0, 0, "15")]
    [InlineData(0, 0, 1_000_000, 0, "3.75")]
    [InlineData(0, 0, 0, 1_000_000, "0.3")]
    [InlineData(1, 0, 0, 0, "0.000003")]
    [InlineData(0, 0, 0, 1, "0.0000003")]
    [InlineData(0, 0, 0, 0, "0")]
    public void Cost_EachKindAlone_PricedPerMillion(long input, long output, long cacheWrite, long cacheRead, string expected)
    {
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture),
            PriceCatalog.Cost(Sonnet, input, output, cacheWrite, cacheRead));
    }

    [Fact]
    public void Cost_ManySmallRequests_SumWithoutDrift()
    {
        var haiku = PriceCatalog.Price("claude-haiku-4-5", 0.80m, 4m);

        var total = Enumerable.Range(0, 10_000).Sum(_ => PriceCatalog.Cost(haiku, 1, 1, 1, 1));

        // (0.8 + 4 + 1.0 + 0.08) / 1e6 per request, ten thousand times
        Assert.Equal(0.0588m, total);
    }

    [Fact]
    public void Find_DatedModelId_MatchesLongestPrefix()
    {
        IReadOnlyList<ModelPrice> table =
        [
            PriceCatalog.Price("claude-sonnet-4", 2m, 10m),
            PriceCatalog.Price("claude-sonnet-4-5", 3m, 15m),
            PriceCatalog.Price("claude", 1m, 1m),
        ];

        Assert.Equal("claude-sonnet-4-5", PriceCatalog.Find(table, "claude-sonnet-4-5-20250929")?.Id);
        Assert.Equal("claude-sonnet-4", PriceCatalog.Find(table, "claude-sonnet-4-20250514")?.Id);
    }

    [Fact]
    public void Find_ExactId_WinsAndIgnoresCase()
    {
        IReadOnlyList<ModelPrice> table = [PriceCatalog.Price("claude-sonnet-4", 2m, 10m), PriceCatalog.Price("claude-sonnet-4-5", 3m, 15m)];

        Assert.Equal("claude-sonnet-4-5", PriceCatalog.Find(table, "Claude-Sonnet-4-5")?.Id);
    }

    [Theory]
    [InlineData("gpt-4o")]
    [InlineData("claude")]
    [InlineData("")]
    public void Find_UnknownModel_ReturnsNull(string model)
    {
        Assert.Null(PriceCatalog.Find(PriceCatalog.Default, model));
    }

    [Fact]
    public void Default_ServedSonnetDated_PricedAsSonnet45()
    {
        var price = PriceCatalog.Find(PriceCatalog.Default, "claude-sonnet-4-5-20250929");

        Assert.Equal(new ModelPrice("claude-sonnet-4-5", 3m, 15m, 3.75m, 0.3m, 6m, 10m,
            LongPromptAboveTokens: 200_000, LongPromptInputFactor: 2m, LongPromptOutputFactor: 1.5m), price);
    }
}
