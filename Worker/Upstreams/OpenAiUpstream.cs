using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using OrProject.Contracts.Messaging;
using OrProject.Protocols.Anthropic;
using OrProject.Protocols.OpenAI;
using OrProject.Protocols.OpenAI.Upstream;
namespace OrProject.Worker.Upstreams;

/// <summary>
/// Any OpenAI-compatible Chat Completions endpoint (a local model server, another gateway): the canonical request
/// is translated on the way out, and the chunk stream back into canonical events, so Anthropic- and OpenAI-format
/// clients alike can be served by it, tools and streaming included.
/// </summary>
internal sealed partial class OpenAiUpstream(IHttpClientFactory httpClientFactory, ILogger<OpenAiUpstream> logger) : IUpstreamAdapter
{
    public string Kind => "openai";

    public async Task<UpstreamResponse> SendAsync(UpstreamTarget target, DispatchGeneration request, CancellationToken cancellationToken)
    {
        var canonical = JsonNode.Parse(request.CanonicalBody())!.AsObject();
        var estimatedInput = TokenEstimator.Estimate(canonical);
        // The edge translates before an account is chosen, so a request may carry Anthropic server tools (web search
        // from a Responses client); this upstream cannot run them and the translation leaves them out.
        if (canonical["tools"] is JsonArray tools &&
            tools.Where(t => t?["type"] is JsonValue type && type.TryGetValue<string>(out var kind) && kind != "custom")
                .Select(t => (string?)t!["type"]).ToList() is { Count: > 0 } serverTools)
        {
            LogServerToolsDropped(request.Model, string.Join(", ", serverTools));
        }

        var translated = OpenAiUpstreamRequest.FromCanonical(canonical, new OpenAiUpstreamOptions { Model = request.Model });
        using var message = new HttpRequestMessage(HttpMethod.Post, ChatUri(target.BaseUrl))
        {
            Content = new StringContent(translated.Body.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        if (target.ApiKey.Length > 0)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", target.ApiKey);
        }

        var (sent, failure) = await UpstreamFailures.SendAsync(httpClientFactory.CreateClient(AnthropicUpstream.HttpClientName), message, cancellationToken);
        if (sent is not { } response)
        {
            return UpstreamResponse.Failed(failure!);
        }

        var messageId = "msg_" + Guid.CreateVersion7().ToString("N");
        var events = response.Content.Headers.ContentType?.MediaType == "application/json"
            ? FromBodyAsync(response, messageId, translated.ToolNames, estimatedInput, request.Model, cancellationToken)
            : FromStreamAsync(response, new OpenAiUpstreamStreamTranslator(messageId, request.Model, estimatedInput, translated.ToolNames), cancellationToken);
        return UpstreamResponse.Streaming(events, response);
    }

    internal static Uri ChatUri(string baseUrl)
    {
        var trimmed = baseUrl.TrimEnd('/');
        return new Uri(trimmed.EndsWith("/v1", StringComparison.Ordinal) ? trimmed + "/chat/completions" : trimmed + "/v1/chat/completions");
    }

    private static async IAsyncEnumerable<SseEvent> FromStreamAsync(HttpResponseMessage response, OpenAiUpstreamStreamTranslator translator,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        await foreach (var item in SseParser.Create(stream).EnumerateAsync(cancellationToken))
        {
            foreach (var canonical in translator.Translate(item.Data))
            {
                yield return canonical;
            }

            if (translator.Completed || translator.Failed)
            {
                yield break;
            }
        }

        // EOF without [DONE]: close the blocks and the message anyway, unless the stream was cut mid-answer.
        if (translator.Finished)
        {
            foreach (var canonical in translator.Complete())
            {
                yield return canonical;
            }
        }
    }

    private static async IAsyncEnumerable<SseEvent> FromBodyAsync(HttpResponseMessage response, string messageId, ToolNameMap names,
        long estimatedInput, string model, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!.AsObject();
        foreach (var item in MessageEvents.FromMessage(OpenAiUpstreamResponse.ToCanonicalMessage(body, messageId, names, estimatedInput, model)))
        {
            yield return item;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Server tools {Tools} left out for the OpenAI-compatible upstream (model {Model}): only Anthropic runs them")]
    private partial void LogServerToolsDropped(string model, string tools);
}
