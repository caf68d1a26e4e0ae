using System.Security.Cryptography;
using System.Text;

namespace OrProject.Protocols.OpenAI;

/// <summary>
/// Tool names as an OpenAI-compatible upstream sees them, and back. OpenAI requires <c>^[a-zA-Z0-9_-]{1,64}$</c>;
/// Claude Code's <c>mcp__server__tool</c> names often exceed it. A name that fails is shortened deterministically —
/// invalid characters become <c>_</c>, then at most 55 characters plus <c>_</c> and 8 hex digits of the original's
/// SHA-256 — so the same name always maps the same way (prompt caches keep hitting) and two names cannot collide
/// in practice. Valid names pass unchanged.
/// </summary>
public sealed class ToolNameMap
{
    private const int MaxLength = 64;
    private const int PrefixLength = MaxLength - 9;
    private readonly Dictionary<string, string> _toOriginal = new(StringComparer.Ordinal);

    public ToolNameMap()
    {
    }

    /// <summary>Rebuilds a map from its <see cref="Renamed"/> entries (upstream name → original name).</summary>
    public ToolNameMap(IReadOnlyDictionary<string, string> renamed)
    {
        foreach (var (upstream, original) in renamed)
        {
            _toOriginal[upstream] = original;
        }
    }

    /// <summary>Only the names that were changed: upstream name → original name.</summary>
    public IReadOnlyDictionary<string, string> Renamed => _toOriginal;

    /// <summary>The client's name for a tool name the upstream used (unchanged when it was never renamed).</summary>
    public string ToOriginal(string upstreamName) =>
        _toOriginal.TryGetValue(upstreamName, out var original) ? original : upstreamName;

    /// <summary>The upstream-safe name, remembered for <see cref="ToOriginal"/>.</summary>
    public string ToUpstream(string originalName)
    {
        var upstream = Shorten(originalName);
        if (!string.Equals(upstream, originalName, StringComparison.Ordinal))
        {
            _toOriginal[upstream] = originalName;
        }

        return upstream;
    }

    public static bool IsValid(string name) =>
        name.Length is > 0 and <= MaxLength && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    public static string Shorten(string name)
    {
        if (IsValid(name))
        {
            return name;
        }

        var safe = new string([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_')]);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)), 0, 4);
        return $"{(safe.Length > PrefixLength ? safe[..PrefixLength] : safe)}_{hash}";
    }
}
