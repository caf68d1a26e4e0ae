using Microsoft.Extensions.Configuration;
using OrProject.Api.Auth;

namespace OrProject.Api.Tests.Auth;

public sealed class UnknownKeyLimiterTests
{
    private static UnknownKeyLimiter Limiter(int perMinute) => new(new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?> { ["Keys:UnknownKeyLookupsPerMinute"] = perMinute.ToString(System.Globalization.CultureInfo.InvariantCulture) })
        .Build());

    [Fact]
    public void Asking_ConsumesNothing()
    {
        using var limiter = Limiter(1);

        for (var i = 0; i < 5; i++)
        {
            Assert.True(limiter.MayLookUp("10.0.0.1"));
        }
    }

    [Fact]
    public void MissesUpToTheLimit_ThenTheAddressIsRefused()
    {
        using var limiter = Limiter(2);
        limiter.Missed("10.0.0.1");
        Assert.True(limiter.MayLookUp("10.0.0.1"));

        limiter.Missed("10.0.0.1");

        Assert.False(limiter.MayLookUp("10.0.0.1"));
    }

    [Fact]
    public void OneAddressGuessing_OthersUnaffected()
    {
        using var limiter = Limiter(1);
        limiter.Missed("10.0.0.1");

        Assert.False(limiter.MayLookUp("10.0.0.1"));
        Assert.True(limiter.MayLookUp("10.0.0.2"));
    }

    [Fact]
    public void Refusal_NoRetryForAMinute()
    {
        using var limiter = Limiter(60);

        Assert.Equal(429, limiter.Refusal.Status);
        Assert.False(limiter.Refusal.ShouldRetry);
        Assert.Equal(60, limiter.Refusal.RetryAfterSeconds);
    }
}
