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
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            bytes = buffer.ToArray();
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
            return JsonNode.Parse(bytes) is JsonObject json
                ? new RequestBody(json, 200, "")
                : new RequestBody(null, 400, "The request body must be a JSON object.");
        }
        catch (JsonException ex)
        {
            return new RequestBody(null, 400, $"There was an error parsing the body of your request: {ex.Message}");
        }
    }

    private static RequestBody TooLarge(long limit) =>
        new(null, 413, $"Request exceeds the maximum allowed number of bytes ({limit}).");
}
