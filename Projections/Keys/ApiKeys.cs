using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace OrProject.Projections.Keys;

/// <summary>Key material: issue keys from a CSPRNG, and store and look them up only by their SHA-256 hash.</summary>
public static class ApiKeys
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    /// <summary>The prefix followed by 40 url-safe characters (240 bits).</summary>
    public static string Generate(string prefix) => prefix + RandomNumberGenerator.GetString(Alphabet, 40);

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>What the admin may see of a key: its prefix and a few characters, never enough to use it.</summary>
    public static string Display(string key, string prefix) => key[..Math.Min(key.Length, prefix.Length + 4)] + "…";

    /// <summary>
    /// The client key a request presents: <c>x-api-key</c>, else <c>Authorization: Bearer</c> (Claude Code's
    /// apiKeyHelper sends both; the SDKs send one or the other). Null when neither is there.
    /// </summary>
    public static string? FromRequest(HttpRequest request)
    {
        if (request.Headers["x-api-key"].ToString() is { Length: > 0 } key)
        {
            return key.Trim();
        }

        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization[7..].Trim() : null;
    }

    public static string NewKeyId() => "key_" + Guid.CreateVersion7().ToString("N");
}
