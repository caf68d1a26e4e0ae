using Marten;
using OrProject.Contracts.Events;
using OrProject.Contracts.Pricing;
using OrProject.Projections.Settings;

namespace OrProject.Projections.Tests.Settings;

/// <summary>The settings view as the inline projection writes it, on real PostgreSQL.</summary>
public sealed class GatewaySettingsTests(LedgerStoreFixture fixture) : IClassFixture<LedgerStoreFixture>
{
    [Fact]
    public async Task SettingsChangedWithoutAPriceTable_StoresNoCopyOfTheBuiltInTable_ThenTheSavedOneWins()
    {
        await fixture.AppendAsync(GatewaySettings.StreamId, new SettingsChanged("Be brief.", null, new Dictionary<string, string>(), "native", "admin", DateTimeOffset.UtcNow));

        var settings = await LoadAsync();
        Assert.Equal("Be brief.", settings.SystemPrompt);
        Assert.Null(settings.Prices); // a release with other built-in prices reads its own, not this one's copy
        Assert.Same(PriceCatalog.Default, settings.PriceTable());

        ModelPrice[] saved = [PriceCatalog.Price("claude-sonnet-4-5", 1m, 2m)];
        await fixture.AppendAsync(GatewaySettings.StreamId, new PriceTableChanged(saved, "admin", DateTimeOffset.UtcNow));

        Assert.Equal(saved, (await LoadAsync()).PriceTable());
    }

    private async Task<GatewaySettings> LoadAsync()
    {
        await using var session = fixture.Store.QuerySession();
        return (await session.LoadAsync<GatewaySettings>(GatewaySettings.StreamId))!;
    }
}
