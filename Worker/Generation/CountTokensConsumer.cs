using System.Text;
using System.Text.Json.Nodes;
using MassTransit;
using OrProject.Contracts.Messaging;
using OrProject.Projections.Accounts;
using OrProject.ServiceDefaults;
using OrProject.Worker.Accounts;
using OrProject.Worker.Upstreams;

namespace OrProject.Worker.Generation;

/// <summary>
/// Forwards <c>count_tokens</c> to an Anthropic account that serves the model. Only a definite answer comes back:
/// a count, or the upstream's refusal of the request itself (400 and the like); anything else — no such account, a
/// rate limit, an outage — answers "no count", and the edge falls back to its local estimate.
/// </summary>
internal sealed class CountTokensConsumer(AccountPool accounts, IHttpClientFactory httpClientFactory) : IConsumer<CountTokens>
{
    public async Task Consume(ConsumeContext<CountTokens> context)
    {
        var request = context.Message;
        var ct = context.CancellationToken;
        var account = (await accounts.CandidatesAsync(request.Model, null, ct)).FirstOrDefault(a => a.Kind == AccountKinds.Anthropic);
        if (account is null)
        {
            await context.RespondAsync(new TokensCounted(null));
            return;
        }

        var target = accounts.Target(account);
        using var message = new HttpRequestMessage(HttpMethod.Post, CountUri(target.BaseUrl))
        {
            Content = new StringContent(request.Request, Encoding.UTF8, "application/json"),
        };
        AnthropicUpstream.AddHeaders(message, target, request.Headers);

        var (response, failure) = await UpstreamFailures.SendAsync(httpClientFactory.CreateClient(AnthropicUpstream.HttpClientName), message, ct);
        using (response)
        {
            TokensCounted answer = response is not null
                ? new TokensCounted((long?)JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))?["input_tokens"])
                : failure is { TryNextAccount: false } refused ? new TokensCounted(null, refused.Status, refused.Body) : new TokensCounted(null);
            await context.RespondAsync(answer);
        }
    }

    private static Uri CountUri(string baseUrl) => new(AnthropicUpstream.MessagesUri(baseUrl) + "/count_tokens");
}

internal sealed class CountTokensConsumerDefinition : ConsumerDefinition<CountTokensConsumer>
{
    public CountTokensConsumerDefinition(RabbitMqOptions rabbit) => EndpointName = rabbit.QueuePrefix + BusConfiguration.CountTokensQueue;
}
