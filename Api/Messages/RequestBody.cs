using System.Text.Json;
using System.Text.Json.Nodes;
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

        try
        {
            var node = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            return node is JsonObject json
                ? new RequestBody(json, 200, "")
                : new RequestBody(null, 400, "The request body must be a JSON object.");
        }
        catch (JsonException ex)
        {
            return new RequestBody(null, 400, $"There was an error parsing the body of your request: {ex.Message}");
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(limit);
        }
    }

    private static RequestBody TooLarge(long limit) =>
        new(null, 413, $"Request exceeds the maximum allowed number of bytes ({limit}).");
}
