using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using OrProject.Projections.Keys;
using OrProject.Projections.Settings;
using OrProject.Projections.Usage;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

/// <summary>
/// An edge that cannot record the charges workers send with their completions: its charges go to a ledger writer whose
/// store has none of the gateway's tables, so every one fails at once. Holds, and everything else, work as usual.
/// </summary>
public sealed class ChargeFallbackFixture : GatewayFixture
{
    protected override void ConfigureEdge(IServiceCollection services) =>
        services.Replace(ServiceDescriptor.Singleton(sp => new UsagePricer(
            new KeyLedgerWriter(
                DocumentStore.For(options =>
                {
                    options.Connection(sp.GetRequiredService<IConfiguration>().GetConnectionString("Marten")!);
                    options.DatabaseSchemaName = "no_ledger_here";
                    options.AutoCreateSchemaObjects = JasperFx.AutoCreate.None;
                }),
                sp.GetRequiredService<ILogger<KeyLedgerWriter>>()),
            sp.GetRequiredService<SettingsReader>(),
            sp.GetRequiredService<TimeProvider>())));
}

[CollectionDefinition(nameof(ChargeFallbackCollection))]
public sealed class ChargeFallbackCollection : ICollectionFixture<ChargeFallbackFixture>;

/// <summary>
/// A completed generation's charge is the edge's to record, with its key's holds; when the edge answers that it could
/// not, the worker records it, so the request is charged all the same, and once.
/// </summary>
[Collection(nameof(ChargeFallbackCollection))]
public sealed class ChargeFallbackTests(ChargeFallbackFixture fixture) : GatewayTest(fixture)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EdgeCannotRecordTheCharge_TheWorkerRecordsIt_Once(bool stream)
    {
        var key = await Fixture.IssueKeyAsync();

        using var response = await SendAsync(Post("/v1/messages", Body(stream), key.Key));
        Assert.Equal(200, (int)response.StatusCode);
        await response.Content.ReadAsByteArrayAsync();

        var view = await EventuallyAsync(
            async () => JsonNode.Parse((await Fixture.AdminGetAsync($"/admin/api/keys/{key.Id}")).GetRawText())!.AsObject(),
            v => v["requests"]!.GetValue<long>() >= 1 && v["reservedUsd"]!.GetValue<decimal>() == 0m);
        Assert.Equal(1, view["requests"]!.GetValue<long>());
        Assert.True(view["spentUsd"]!.GetValue<decimal>() > 0m);
        Assert.Equal(0m, view["reservedUsd"]!.GetValue<decimal>());
    }
}
