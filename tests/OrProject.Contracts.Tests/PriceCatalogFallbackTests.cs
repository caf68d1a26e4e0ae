using OrProject.Contracts.Pricing;

namespace OrProject.Contracts.Tests;

public sealed class PriceCatalogFallbackTests
{
    [Theory]
    [InlineData("claude-opus-5-1", "claude-opus-4-7")]
    [InlineData("claude-sonnet-5", "claude-sonnet-4-6")]
    [InlineData("claude-haiku-4-9-20270101", "claude-haiku-4-5")]
    public void Find_ClaudeNameNewerThanCatalog_PricesAsFirstOfItsFamily(string served, string expected)
    {
        Assert.Equal(expected, PriceCatalog.Find(PriceCatalog.Default, served)?.Id);
    }

    [Fact]
    public void Find_NonClaudeUnknownModel_HasNoPrice()
    {
        Assert.Null(PriceCatalog.Find(PriceCatalog.Default, "llama-3-70b"));
    }
}
