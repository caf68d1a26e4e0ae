using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

/// <summary>A guessable admin token is refused when a host starts, not discovered later.</summary>
[Collection(nameof(GatewayCollection))]
public sealed class AdminTokenStartTests(GatewayFixture fixture)
{
    [Theory]
    [InlineData("edge", "too-short")]
    [InlineData("edge", "0123456789012345678901234567890")] // 31
    [InlineData("worker", "0123456789012345678901234567890")]
    public async Task Start_AdminTokenUnder32Characters_RefusedNamingTheVariableAndTheMinimum(string host, string token)
    {
        var settings = new Dictionary<string, string?> { ["Admin:Token"] = token, ["Worker:Id"] = "short-token-worker" };

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => Start(host, settings));

        Assert.Contains("ORP_ADMIN_TOKEN", failure.Message, StringComparison.Ordinal);
        Assert.Contains("at least 32 characters", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(token, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_EmptyAdminToken_StillStartsWithTheAdminApiOff()
    {
        await using var edge = await fixture.StartEdgeAsync(new Dictionary<string, string?> { ["Admin:Token"] = "" });
        using var http = new HttpClient { BaseAddress = new Uri(GatewayFixture.PublicUrl(edge)) };

        using var response = await http.GetAsync("/admin/api/keys");

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private Task<WebApplication> Start(string host, Dictionary<string, string?> settings) =>
        host == "edge" ? fixture.StartEdgeAsync(settings) : fixture.StartWorkerAsync(settings);
}
