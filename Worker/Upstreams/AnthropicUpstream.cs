using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using OrProject.Contracts.Messaging;
using OrProject.Protocols.Canonical;
namespace OrProject.Worker.Upstreams;

/// <summary>
/// Anthropic's Messages API, or anything that speaks it. The canonical request is already an Anthropic body with
/// <c>stream: true</c>, so it goes out as it came in; events come back verbatim (thinking signatures stay byte-exact).
/// </summary>
internal sealed class AnthropicUpstream(IHttpClientFactory httpClientFactory) : IUpstreamAdapter
{
    public const string HttpClientName = "upstream";
    private const string DefaultVersion = "2023-06-01";

    private static readonly byte[] SyntheticSignature = Encoding.UTF8.GetBytes(SyntheticThinking.Signature);

    public string Kind => "anthropic";

    public async Task<UpstreamResponse> SendAsync(UpstreamTarget target, DispatchGeneration request, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, MessagesUri(target.BaseUrl))
        {
            // The body is UTF-8 JSON already; the content type is what StringContent with UTF-8 said.
            Content = new ByteArrayContent(WithoutSyntheticThinking(request.CanonicalBody()))
            {
                Headers = { ContentType = new MediaTypeHeaderValue("application/json", "utf-8") },
            },
        };
        AddHeaders(message, target, request.Headers);
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));

        var (response, failure) = await UpstreamFailures.SendAsync(httpClientFactory.CreateClient(HttpClientName), message, cancellationToken);
        return failure is not null
            ? UpstreamResponse.Failed(failure)
            : UpstreamResponse.Streaming(ReadEventsAsync(response!, cancellationToken), response);
    }

    /// <summary>The account's key and the client's <c>anthropic-version</c> (or the default) and <c>anthropic-beta</c>.</summary>
    internal static void AddHeaders(HttpRequestMessage message, UpstreamTarget target, IReadOnlyDictionary<string, string> clientHeaders)
    {
        message.Headers.TryAddWithoutValidation("x-api-key", target.ApiKey);
        message.Headers.TryAddWithoutValidation("anthropic-version", clientHeaders.GetValueOrDefault("anthropic-version", DefaultVersion));
        if (clientHeaders.TryGetValue("anthropic-beta", out var beta))
        {
            message.Headers.TryAddWithoutValidation("anthropic-beta", beta);
        }
    }

    /// <summary>
    /// Thinking blocks the gateway synthesized from another provider's reasoning carry a fake signature that
    /// Anthropic rejects (<c>Invalid signature</c>): they never go to an Anthropic upstream. Cheap when absent.
    /// A tool loop whose thinking was all synthetic is then left without any, which Anthropic refuses while thinking is
    /// on: such a request goes without thinking.
    /// </summary>
    private static byte[] WithoutSyntheticThinking(byte[] body)
    {
        if (body.AsSpan().IndexOf(SyntheticSignature) < 0)
        {
            return body;
        }

        var json = System.Text.Json.Nodes.JsonNode.Parse(body)!.AsObject();
        SyntheticThinking.StripFrom(json);
        CanonicalThinking.DropThinkingIfHistoryLacksIt(json);
        return System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(json);
    }

    /// <summary>Accepts a base URL with or without the trailing <c>/v1</c>, as operators paste either.</summary>
    internal static Uri MessagesUri(string baseUrl)
    {
        var trimmed = baseUrl.TrimEnd('/');
        return new Uri(trimmed.EndsWith("/v1", StringComparison.Ordinal) ? trimmed + "/messages" : trimmed + "/v1/messages");
    }

    private static async IAsyncEnumerable<SseEvent> ReadEventsAsync(HttpResponseMessage response,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(cancellationToken))
        {
            yield return new SseEvent(item.EventType, item.Data);
        }
    }
}

internal static class UpstreamFailures
{
    private const int MaxErrorBody = 64 * 1024;

    /// <summary>
    /// Sends and waits for the headers only: a 2xx comes back to be streamed; anything else — no connection, no
    /// answer in time, an error status — comes back classified, before a byte reached the client.
    /// </summary>
    public static async Task<(HttpResponseMessage? Response, UpstreamFailure? Failure)> SendAsync(HttpClient client,
        HttpRequestMessage message, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            return (null, new UpstreamFailure(UpstreamError.ConnectFailed, 529, $"Upstream unreachable: {ex.Message}"));
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, new UpstreamFailure(UpstreamError.TimedOut, 529, "Upstream timed out before answering."));
        }

        if (response.IsSuccessStatusCode)
        {
            return (response, null);
        }

        using (response)
        {
            return (null, await FromResponseAsync(response, cancellationToken));
        }
    }

    /// <summary>Classifies an error answer and keeps its body unmodified: clients match on the upstream's wording.</summary>
    public static async Task<UpstreamFailure> FromResponseAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await ReadLimitedAsync(response, cancellationToken);
        var status = (int)response.StatusCode;
        var retryAfter = RetryAfter(response);
        var error = status switch
        {
            429 => UpstreamError.RateLimited,
            529 or 503 => UpstreamError.Overloaded,
            401 or 403 => UpstreamError.Unauthorized,
            408 or 504 => UpstreamError.TimedOut,
            >= 500 => UpstreamError.ServerError,
            _ => UpstreamError.Rejected,
        };
        return new UpstreamFailure(error, status, $"Upstream answered {status} {response.ReasonPhrase}", body, retryAfter);
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter is { } header)
        {
            if (header.Delta is { } delta)
            {
                return delta;
            }

            if (header.Date is { } date)
            {
                return date - DateTimeOffset.UtcNow;
            }
        }

        return response.Headers.TryGetValues("retry-after-ms", out var values) &&
               double.TryParse(values.FirstOrDefault(), System.Globalization.CultureInfo.InvariantCulture, out var ms)
            ? TimeSpan.FromMilliseconds(ms)
            : null;
    }

    private static async Task<string?> ReadLimitedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[MaxErrorBody];
            var total = 0;
            int read;
            while (total < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
            {
                total += read;
            }

            return total == 0 ? null : Encoding.UTF8.GetString(buffer, 0, total);
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
