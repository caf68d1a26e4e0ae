using Microsoft.Extensions.DependencyInjection;
using OrProject.Contracts.Messaging;
using OrProject.Projections.Keys;
using OrProject.Projections.Settings;
using OrProject.Projections.Usage;

namespace OrProject.Projections.Tests.Usage;

/// <summary>Prices from the live table (the default one here: the fixture's schema has no settings stream).</summary>
public sealed class UsagePricerTests(LedgerStoreFixture fixture) : IClassFixture<LedgerStoreFixture>
{
    private static readonly TokenUsage Million = new(1_000_000, 1_000_000, 0, 0);

    private UsagePricer Pricer() =>
        new(fixture.Writer, fixture.Services.GetRequiredService<SettingsReader>(), TimeProvider.System);

    [Fact]
    public async Task DatedServedName_PricedAsItsCatalogModel()
    {
        // 100,000 input and a million output tokens, under Sonnet 4.5's long-context band: $0.30 + $15.
        Assert.Equal(15.3m, await Pricer().CostAsync("claude-sonnet-4-5-20250929", "whatever", new TokenUsage(100_000, 1_000_000, 0, 0)));
    }

    [Fact]
    public async Task ServedNameUnknown_PricedAsTheModelRequested()
    {
        Assert.Equal(6m, await Pricer().CostAsync("gpt-4o", "claude-haiku-4-5", Million));
    }

    [Fact]
    public async Task NeitherModelPriced_NoCost()
    {
        Assert.Null(await Pricer().CostAsync("gpt-4o", "gpt-4o-mini", Million));
    }

    [Fact]
    public async Task Record_SameRequestTwice_SecondIsNoOp()
    {
        var key = await fixture.IssueKeyAsync(1m);
        var request = new DispatchGeneration(RequestId: "req_" + Guid.NewGuid().ToString("N"), KeyId: key, ReplyAddress: new Uri("http://127.0.0.1:1"),
            Stream: true, Body: "{}"u8.ToArray(), ModelRequested: "claude-sonnet-4-5", Model: "claude-sonnet-4-5", Headers: new Dictionary<string, string>(),
            Affinity: null, RequestedAt: DateTimeOffset.UtcNow, Deadline: DateTimeOffset.UtcNow, Capability: "");
        var usage = new TokenUsage(10, 5, 0, 0);

        Assert.True(await Pricer().RecordAsync(request, "claude-sonnet-4-5", "acct_1", usage, 0.01m, "completed"));
        Assert.False(await Pricer().RecordAsync(request, "claude-sonnet-4-5", "acct_1", usage, 0.01m, "completed"));
    }
}
