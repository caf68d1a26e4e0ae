using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

/// <summary>
/// The edge alone, with limits small enough to reach in a test: 3 sign-in and 3 key-lookup attempts a minute per
/// address, and admin sessions that last 4 seconds.
/// </summary>
public sealed class EdgeLimitsFixture : GatewayFixture
{
    public const int Attempts = 3;

    public static readonly TimeSpan SessionLifetime = TimeSpan.FromSeconds(4);

    protected override bool StartWorker => false;

    protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>
    {
        ["RateLimits:SignInPerMinute"] = Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RateLimits:KeyLookupsPerMinute"] = Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Admin:SessionLifetime"] = SessionLifetime.ToString(),
        ["Keys:UnknownKeyLookupsPerMinute"] = Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

[CollectionDefinition(nameof(EdgeLimitsCollection))]
public sealed class EdgeLimitsCollection : ICollectionFixture<EdgeLimitsFixture>;
