using System.Globalization;
using OrProject.Contracts.Messaging;
using OrProject.Projections.Keys;
using OrProject.Protocols.Anthropic;

namespace OrProject.Api.Dispatch;

/// <summary>
/// An error the edge answers with, whatever raised it (admission, validation, a worker's failed generation): the
/// status and Anthropic error type, the message, what OpenAI's dialect says differently (<c>insufficient_quota</c>,
/// <c>model_not_found</c>), the upstream's own error body to relay, and whether a retry can help — the official SDKs
/// and Claude Code read <c>x-should-retry</c> before their own rules, so a spent key fails at once instead of retrying
/// for minutes, and honour <c>retry-after</c> when it is there. Each protocol writes it in its own envelope.
/// </summary>
internal sealed record ApiError(int Status, string Type, string Message)
{
    /// <summary>The OpenAI envelope's <c>type</c> when it is not the Anthropic one.</summary>
    public string? OpenAiType { get; init; }

    /// <summary>The OpenAI envelope's <c>code</c>; unset, one follows from the type.</summary>
    public string? OpenAiCode { get; init; }

    /// <summary>The message on OpenAI routes when the Anthropic wording would mislead (it names <c>x-api-key</c>).</summary>
    public string? OpenAiMessage { get; init; }

    /// <summary><c>x-should-retry</c>: unset leaves the SDK to its status rules.</summary>
    public bool? ShouldRetry { get; init; }

    public int? RetryAfterSeconds { get; init; }

    /// <summary>The key's rate buckets, sent as <c>anthropic-ratelimit-*</c> or <c>x-ratelimit-*</c> headers.</summary>
    public RateLimitState? RateLimits { get; init; }

    /// <summary>The upstream's own error body, relayed unmodified (Anthropic routes) or read for its message (OpenAI routes).</summary>
    public string? UpstreamBody { get; init; }

    /// <summary>A worker's failed generation, as the client is told it.</summary>
    public static ApiError From(GenerationError error) => new(error.Status, error.Type, error.Message)
    {
        UpstreamBody = error.UpstreamBody,
        RetryAfterSeconds = error.RetryAfterSeconds,
    };

    /// <summary>529: no worker or upstream could take the request.</summary>
    public static ApiError Overloaded(string message) => new(529, AnthropicErrors.Overloaded, message);

    public static ApiError Invalid(string message) => new(400, AnthropicErrors.InvalidRequest, message);

    /// <summary>
    /// No key, or one the gateway did not issue, in words that name the credential the client sent: Anthropic's own for
    /// <c>x-api-key</c> (and for none), the bearer token otherwise; OpenAI's, with the key's first characters, on its routes.
    /// </summary>
    public static ApiError UnknownKey(string? presented, bool bearer) => presented is null
        ? new(401, AnthropicErrors.Authentication, "x-api-key header is required")
        {
            OpenAiMessage = "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth " +
                "(i.e. Authorization: Bearer YOUR_KEY).",
        }
        : new(401, AnthropicErrors.Authentication, bearer ? "invalid bearer token (Authorization header)" : "invalid x-api-key")
        {
            OpenAiMessage = $"Incorrect API key provided: {Masked(presented)}. Keys are issued by this gateway's operator.",
        };

    /// <summary>The first characters of a key and its length, as OpenAI shows them: enough to recognise, not to use.</summary>
    private static string Masked(string key) => key.Length <= 8 ? new string('*', key.Length) : key[..Math.Min(10, key.Length / 2)] + "****" + key[^4..];

    public static ApiError DisabledKey { get; } = new(403, AnthropicErrors.Permission, "This API key is disabled.");

    /// <summary>No price, so never served: a model the gateway does not know is a model it cannot charge for.</summary>
    public static ApiError UnpricedModel(string model) => new(404, AnthropicErrors.NotFound, $"model: {model}")
    {
        OpenAiType = AnthropicErrors.InvalidRequest,
        OpenAiCode = "model_not_found",
        OpenAiMessage = $"The model `{model}` does not exist or you do not have access to it.",
        ShouldRetry = false,
    };

    /// <summary>
    /// More output than the model can give: refused at the edge in each vendor's words (Anthropic's 400 names the limit and
    /// the model; OpenAI's says what was provided), so no absurd number travels to a worker or an upstream.
    /// </summary>
    public static ApiError MaxTokensTooLarge(string requested, long limit, string model) =>
        new(400, AnthropicErrors.InvalidRequest, $"max_tokens: {requested} > {limit}, which is the maximum allowed number of output tokens for {model}")
        {
            OpenAiMessage = $"max_tokens is too large: {requested}. This model supports at most {limit} completion tokens, whereas you provided {requested}.",
            ShouldRetry = false,
        };

    /// <summary>The budget cannot pay for this request, now or later: retrying cannot help.</summary>
    public static ApiError Budget(string message) => new(429, AnthropicErrors.RateLimit, message)
    {
        OpenAiType = "insufficient_quota",
        OpenAiCode = "insufficient_quota",
        ShouldRetry = false,
    };

    /// <summary>The budget can pay once requests in flight settle (they hold their worst case until then).</summary>
    public static ApiError BudgetBusy(string message) => new(429, AnthropicErrors.RateLimit, message)
    {
        OpenAiCode = "rate_limit_exceeded",
        ShouldRetry = true,
        RetryAfterSeconds = 1,
    };

    /// <summary>The headers every protocol sends with the refusal; the rate-limit headers in the route's vendor's names.</summary>
    public void WriteHeaders(HttpResponse response, bool openAi = false)
    {
        if (RateLimits is { } limits)
        {
            RateLimitHeaders.Write(response, limits, openAi);
        }

        if (ShouldRetry is { } retry)
        {
            response.Headers["x-should-retry"] = retry ? "true" : "false";
        }

        if (RetryAfterSeconds is { } seconds and > 0)
        {
            response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }
    }
}
