using OrProject.Contracts.Events;
using OrProject.Contracts.Messaging;
using OrProject.Contracts.Pricing;

namespace OrProject.Contracts.Tests.Pricing;

public sealed class CacheLifetimeAndSearchPricingTests
{
    private static readonly ModelPrice Sonnet = PriceCatalog.Price("claude-sonnet-4-5", 3m, 15m);

    // A price entry as stored before the 1-hour and search prices existed.
    private static readonly ModelPrice OldSonnet = new("claude-sonnet-4-5", 3m, 15m, 3.75m, 0.3m);

    [Fact]
    public void Price_OneHourWriteTwiceInputAndSearchesTenPerThousand()
    {
        Assert.Equal(6m, Sonnet.CacheWrite1hUsdPerMTok);
        Assert.Equal(10m, Sonnet.WebSearchUsdPerThousand);
    }

    [Fact]
    public void Cost_FiveMinuteAndOneHourWritesAndSearches_ExactDecimal()
    {
        // 300 written, 200 of them for 1 h: (1000 × 3 + 200 × 15 + 100 × 3.75 + 200 × 6 + 4000 × 0.3) / 1e6 + 3 × 10 / 1000
        var cost = PriceCatalog.Cost(Sonnet, input: 1_000, output: 200, cacheWrite: 300, cacheRead: 4_000, cacheWrite1h: 200, webSearches: 3);

        Assert.Equal(0.008775m + 0.03m, cost);
    }

    [Theory]
    [InlineData(1_000_000, 0, 0, "3.75")] // all 5-minute
    [InlineData(1_000_000, 1_000_000, 0, "6")] // all 1-hour
    [InlineData(1_000_000, 250_000, 0, "4.3125")] // 750k × 3.75 + 250k × 6
    [InlineData(0, 0, 1, "0.01")]
    [InlineData(0, 0, 1_000, "10")]
    [InlineData(0, 0, 7, "0.07")]
    public void Cost_CacheLifetimesAndSearchesAlone_Exact(long cacheWrite, long cacheWrite1h, long searches, string expected)
    {
        Assert.Equal(Usd(expected), PriceCatalog.Cost(Sonnet, 0, 0, cacheWrite, 0, cacheWrite1h, searches));
    }

    [Fact]
    public void Cost_OneHourShareAboveTotal_ChargedWholeAtOneHourPrice()
    {
        Assert.Equal(0.000012m, PriceCatalog.Cost(Sonnet, 0, 0, cacheWrite: 1, cacheRead: 0, cacheWrite1h: 2));
    }

    [Fact]
    public void Cost_PriceStoredBeforeNewFields_DerivesOneHourAndSearchPrices()
    {
        Assert.Equal(6m, PriceCatalog.CacheWrite1hUsdPerMTok(OldSonnet));
        Assert.Equal(10m, PriceCatalog.WebSearchUsdPerThousand(OldSonnet));
        Assert.Equal(PriceCatalog.Cost(Sonnet, 10, 20, 300, 40, 100, 2), PriceCatalog.Cost(OldSonnet, 10, 20, 300, 40, 100, 2));
    }

    [Fact]
    public void Cost_ExplicitZeroPrices_ChargeNothingForThem()
    {
        var free = Sonnet with { CacheWrite1hUsdPerMTok = 0m, WebSearchUsdPerThousand = 0m };

        Assert.Equal(0m, PriceCatalog.Cost(free, 0, 0, 500, 0, 500, 9));
    }

    [Fact]
    public void Cost_TokenUsage_SameAsTheLongForm()
    {
        var usage = new TokenUsage(1_000, 200, 300, 4_000, 200, 3);

        Assert.Equal(PriceCatalog.Cost(Sonnet, 1_000, 200, 300, 4_000, 200, 3), PriceCatalog.Cost(Sonnet, usage));
    }

    [Fact]
    public void Cost_OldFourCountForm_AllWritesAtFiveMinutePrice()
    {
        Assert.Equal(0.008325m, PriceCatalog.Cost(Sonnet, 1_000, 200, 300, 4_000));
    }

    [Theory]
    [InlineData("3", "3.75", null, "6")] // derived 1 h = 2 × input
    [InlineData("3", "3.75", "5", "5")]
    [InlineData("3", "9", "5", "9")]
    [InlineData("12", "1", "2", "12")]
    [InlineData("3", "3.75", "5", "7", "7")] // an admin's cache read above the rest: a read token can cost that much
    public void InputCeiling_DearestOfInputBothWritesAndRead(string input, string write5m, string? write1h, string expected, string read = "0")
    {
        var price = new ModelPrice("m", Usd(input), 1m, Usd(write5m), Usd(read), write1h is null ? null : Usd(write1h));

        Assert.Equal(Usd(expected), PriceCatalog.InputCeilingUsdPerMTok(price));
    }

    private static decimal Usd(string text) => decimal.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
}
