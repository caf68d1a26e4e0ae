using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace OrProject.ServiceDefaults;

/// <summary>
/// The operator's token (<c>ORP_ADMIN_TOKEN</c>, configuration <c>Admin:Token</c>): the admin API, the admin panel's
/// sign-in and every host's <c>/metrics</c> take it. Here because the worker, which has no admin part, checks it too.
/// </summary>
public static class AdminToken
{
    public const string Section = "Admin";

    /// <summary>32 characters is what <c>./orp</c> generates (24 random bytes in base64): guessing it is hopeless.</summary>
    public const int MinLength = 32;

    public const string TooShort =
        "ORP_ADMIN_TOKEN (Admin:Token) must be at least 32 characters, or empty to turn the admin API, the admin panel and /metrics off.";

    /// <summary>Empty is allowed: it means the admin surface is off, and every comparison fails.</summary>
    public static bool IsAcceptable(string token) => token.Length is 0 or >= MinLength;

    /// <summary>The token in <c>Authorization: Bearer …</c>, or empty.</summary>
    public static string Presented(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : "";
    }

    /// <summary>Constant-time comparison; never true when either side is empty.</summary>
    public static bool Matches(string presented, string expected)
    {
        if (expected.Length == 0 || presented.Length == 0)
        {
            return false;
        }

        // Hashing first makes the comparison constant-time whatever the lengths.
        return CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
    }
}

/// <summary>The token as the metrics endpoint reads it: the same <c>Admin</c> section the admin options bind.</summary>
public sealed class MetricsAccessOptions
{
    public string Token { get; set; } = "";
}
