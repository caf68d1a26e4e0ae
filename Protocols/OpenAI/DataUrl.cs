namespace OrProject.Protocols.OpenAI;

/// <summary><c>data:&lt;media type&gt;;base64,&lt;data&gt;</c> URLs, the way OpenAI carries inline images and files.</summary>
internal static class DataUrl
{
    public static bool TryParse(string url, out string mediaType, out string data)
    {
        mediaType = data = "";
        if (!url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var comma = url.IndexOf(',', StringComparison.Ordinal);
        if (comma < 0)
        {
            return false;
        }

        var header = url[5..comma];
        if (!header.EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        mediaType = header[..^";base64".Length].Split(';')[0].Trim().ToLowerInvariant();
        data = url[(comma + 1)..];
        return mediaType.Length > 0;
    }

    public static string Build(string mediaType, string data) => $"data:{mediaType};base64,{data}";

    public static bool IsHttp(string url) =>
        url.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ||
        url.StartsWith("http://", StringComparison.OrdinalIgnoreCase);
}
