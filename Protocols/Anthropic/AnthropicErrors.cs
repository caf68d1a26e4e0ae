using System.Text.Json;

namespace OrProject.Protocols.Anthropic;

/// <summary>Anthropic's error types and envelope: <c>{"type":"error","error":{"type":T,"message":M},"request_id":R}</c>.</summary>
public static class AnthropicErrors
{
    public const string InvalidRequest = "invalid_request_error";
    public const string Authentication = "authentication_error";
    public const string Permission = "permission_error";
    public const string NotFound = "not_found_error";
    public const string RequestTooLarge = "request_too_large";
    public const string RateLimit = "rate_limit_error";
    public const string Api = "api_error";
    public const string Timeout = "timeout_error";
    public const string Overloaded = "overloaded_error";

    /// <summary>The error type Anthropic uses for an HTTP status.</summary>
    public static string TypeFor(int status) => status switch
    {
        400 => InvalidRequest,
        401 => Authentication,
        403 => Permission,
        404 => NotFound,
        413 => RequestTooLarge,
        429 => RateLimit,
        504 => Timeout,
        529 or 503 => Overloaded,
        >= 500 => Api,
        _ => InvalidRequest,
    };

    public static string Envelope(string type, string message, string? requestId)
    {
        using var buffer = new MemoryStream();
        // Apostrophes and non-ASCII as themselves, as the vendor writes them ("gateway's", not "gateway\u0027s").
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("type", "error");
            json.WriteStartObject("error");
            json.WriteString("type", type);
            json.WriteString("message", message);
            json.WriteEndObject();
            if (requestId is not null)
            {
                json.WriteString("request_id", requestId);
            }

            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
