using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace OrProject.Admin.Assets;

/// <summary>
/// The pages' CSS and JS (ours and the vendored Chart.js), embedded in this assembly and served at
/// <c>/_content/OrProject.Admin/…</c> as a routed endpoint. Embedding serves the same bytes from a build output, a
/// publish and the in-process test host alike, with no CDN; routing keeps them ahead of the edge's JSON 404 fallback.
/// URLs carry a content hash, so a browser may cache them for good.
/// </summary>
internal static class AdminAssets
{
    public const string BasePath = "/_content/OrProject.Admin";
    private const string ResourcePrefix = "assets/";

    private static readonly FrozenDictionary<string, Asset> All = Load();

    public static IEndpointRouteBuilder MapAdminAssets(this IEndpointRouteBuilder app)
    {
        app.MapGet(BasePath + "/{**path}", Serve).ExcludeFromDescription();
        return app;
    }

    /// <summary>The URL of an asset, with its content hash as the version.</summary>
    public static string Url(string path) =>
        All.TryGetValue(path, out var asset) ? $"{BasePath}/{path}?v={asset.Version}"
            : throw new InvalidOperationException($"No embedded asset {path}: is it under Admin/Assets or vendored by the build?");

    private static IResult Serve(string path, HttpContext context)
    {
        if (!All.TryGetValue(path, out var asset))
        {
            return Results.NotFound();
        }

        var headers = context.Response.Headers;
        headers.CacheControl = context.Request.Query.ContainsKey("v") ? "public, max-age=31536000, immutable" : "no-cache";
        headers.XContentTypeOptions = "nosniff";
        return Results.Bytes(asset.Content, asset.ContentType, entityTag: new EntityTagHeaderValue($"\"{asset.Version}\""));
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(AdminAssets).Assembly;
        var types = new FileExtensionContentTypeProvider();
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var content = buffer.ToArray();
            var path = name[ResourcePrefix.Length..].Replace('\\', '/');
            var contentType = types.TryGetContentType(path, out var type) ? type : "application/octet-stream";
            if (contentType.StartsWith("text/", StringComparison.Ordinal) || contentType.EndsWith("javascript", StringComparison.Ordinal))
            {
                contentType += "; charset=utf-8";
            }

            assets[path] = new Asset(content, contentType, Convert.ToHexStringLower(SHA256.HashData(content))[..12]);
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private sealed record Asset(byte[] Content, string ContentType, string Version);
}
