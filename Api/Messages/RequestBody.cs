using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using OrProject.Api.Dispatch;

namespace OrProject.Api.Messages;

/// <summary>A request body read as JSON, or why it could not be (status 400 or 413, and a message).</summary>
internal sealed record RequestBody(JsonObject? Json, int Status, string Error)
{
    public static async Task<RequestBody> ReadAsync(HttpContext context, IOptions<EdgeOptions> options)
    {
        var limit = options.Value.MaxRequestBodyBytes;
        if (context.Request.ContentLength > limit)
        {
            return TooLarge(limit);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit;
        }

        byte[] bytes;
        try
        {
            bytes = await ReadAllAsync(context.Request, context.RequestAborted);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(limit);
        }

        // JSON strings are only decoded when read, so invalid UTF-8 inside one would pass the parser and fail later.
        if (!Utf8.IsValid(bytes))
        {
            return new RequestBody(null, 400, "The request body is not valid UTF-8.");
        }

        try
        {
            // Parsed where it lies: JsonNode.Parse would copy the body first. The document stays undisposed, because the
            // tree reads its values from it lazily; it returns its pooled index to the pool only on Dispose, and
            // otherwise is garbage like the tree.
            var document = JsonDocument.Parse(bytes);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? new RequestBody(JsonObject.Create(document.RootElement), 200, "")
                : new RequestBody(null, 400, "The request body must be a JSON object.");
        }
        catch (JsonException ex)
        {
            return new RequestBody(null, 400, $"There was an error parsing the body of your request: {ex.Message}");
        }
    }

    /// <summary>
    /// The whole body in one array: of the size <c>Content-Length</c> gives when it gives one (the SDKs and CLIs do),
    /// so a coding agent's 100 KB request is not copied through a growing buffer (each copy a large-object-heap
    /// allocation, which costs a gen-2 collection sooner). Only up to <see cref="PresizedBytes"/>: a header is not
    /// a reason to set aside megabytes before they arrive. Larger and chunked bodies go through a growing buffer.
    /// </summary>
    private static async Task<byte[]> ReadAllAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength is { } length and <= PresizedBytes)
        {
            var body = new byte[length];
            var read = await request.Body.ReadAtLeastAsync(body, body.Length, throwOnEndOfStream: false, cancellationToken);
            // Kestrel ends a body that falls short of its Content-Length with an error before this; any other server
            // that returns early gets the bytes it gave.
            return read == body.Length ? body : body[..read];
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    private const int PresizedBytes = 1 << 20;

    private static RequestBody TooLarge(long limit) =>
        new(null, 413, $"Request exceeds the maximum allowed number of bytes ({limit}).");
}
