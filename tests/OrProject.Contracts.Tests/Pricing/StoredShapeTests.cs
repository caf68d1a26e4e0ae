using System.Text.Json;
using OrProject.Contracts.Events;
using OrProject.Contracts.Messaging;
using OrProject.Contracts.Pricing;

namespace OrProject.Contracts.Tests.Pricing;

/// <summary>
/// Events stored before the 1-hour cache price and web searches existed, read with System.Text.Json as Marten reads
/// them (property names as declared), must come back with defaults that price as they did.
/// </summary>
public sealed class StoredShapeTests
{
    private static readonly JsonSerializerOptions Marten = new();

    [Fact]
    public void PriceTableChanged_WithoutNewPrices_ReadsNullsAndPricesWithDefaults()
    {
        const string json = """
            {"Models":[{"Id":"claude-sonnet-4-5","InputUsdPerMTok":3,"OutputUsdPerMTok":15,"CacheWriteUsdPerMTok":3.75,"CacheReadUsdPerMTok":0.3}],
             "Actor":"admin","At":"2025-06-01T00:00:00+00:00"}
            """;

        var e = JsonSerializer.Deserialize<PriceTableChanged>(json, Marten)!;

        var price = Assert.Single(e.Models);
        Assert.Equal(new ModelPrice("claude-sonnet-4-5", 3m, 15m, 3.75m, 0.3m, null, null), price);
        Assert.Equal(6m, PriceCatalog.CacheWrite1hUsdPerMTok(price));
        Assert.Equal(10m, PriceCatalog.WebSearchUsdPerThousand(price));
        // Old usage (no 1-hour share, no searches) costs exactly what it cost before.
        Assert.Equal(0.008325m, PriceCatalog.Cost(price, 1_000, 200, 300, 4_000));
    }

    [Fact]
    public void UsageRecorded_WithoutNewCounts_ReadsZeros()
    {
        const string json = """
            {"RequestId":"req_1","KeyId":"key_1","ModelRequested":"claude-sonnet-4-5","ModelServed":"claude-sonnet-4-5-20250929",
             "AccountId":"acct_1","InputTokens":10,"OutputTokens":20,"CacheCreationTokens":30,"CacheReadTokens":40,
             "CostUsd":0.000123,"Outcome":"completed","At":"2025-06-01T00:00:00+00:00"}
            """;

        var e = JsonSerializer.Deserialize<UsageRecorded>(json, Marten)!;

        Assert.Equal(30, e.CacheCreationTokens);
        Assert.Equal(0.000123m, e.CostUsd);
        Assert.Equal(0, e.CacheCreation1hTokens);
        Assert.Equal(0, e.WebSearchRequests);
        // The request log's fields were not known then: null, not a made-up value.
        Assert.Equal((null, null, null, null, null), (e.Protocol, e.Stream, e.Status, e.TtftMs, e.DurationMs));
    }

    [Fact]
    public void UsageRecorded_NewCounts_RoundTrip()
    {
        var e = new UsageRecorded("req_1", "key_1", "m", "m", "acct_1", 1, 2, 3, 4, 0.5m, "completed",
            DateTimeOffset.UnixEpoch, CacheCreation1hTokens: 2, WebSearchRequests: 5, Protocol: "chat", Stream: true, Status: 200, TtftMs: 120,
            DurationMs: 900);

        Assert.Equal(e, JsonSerializer.Deserialize<UsageRecorded>(JsonSerializer.Serialize(e, Marten), Marten));
    }

    [Fact]
    public void TokenUsage_FromAnOlderWorker_ReadsZeros()
    {
        var usage = JsonSerializer.Deserialize<TokenUsage>(
            """{"inputTokens":1,"outputTokens":2,"cacheCreationInputTokens":3,"cacheReadInputTokens":4}""", JsonSerializerOptions.Web);

        Assert.Equal(new TokenUsage(1, 2, 3, 4, 0, 0), usage);
    }

    [Fact]
    public void ModelPrice_AdminJson_NamesTheNewPricesAndTakesThemOptional()
    {
        var json = JsonSerializer.Serialize(PriceCatalog.Price("claude-sonnet-4-5", 3m, 15m), JsonSerializerOptions.Web);

        Assert.Contains("\"cacheWrite1hUsdPerMTok\":6", json, StringComparison.Ordinal);
        Assert.Contains("\"webSearchUsdPerThousand\":10", json, StringComparison.Ordinal);

        var old = JsonSerializer.Deserialize<ModelPrice>(
            """{"id":"x","inputUsdPerMTok":1,"outputUsdPerMTok":2,"cacheWriteUsdPerMTok":1.25,"cacheReadUsdPerMTok":0.1}""", JsonSerializerOptions.Web)!;
        Assert.Null(old.CacheWrite1hUsdPerMTok);
        Assert.Null(old.WebSearchUsdPerThousand);
    }
}
