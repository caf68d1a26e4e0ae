using System.Text.Json.Nodes;
using OrProject.Api.Dispatch;

namespace OrProject.Api.Messages;

/// <summary>Anthropic's Messages API: <c>POST /v1/messages</c>, streaming or not, every field passed through.</summary>
internal static class MessagesEndpoints
{
    public static IEndpointRouteBuilder MapMessages(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/messages", (HttpContext context, EdgePipeline pipeline) => pipeline.RunAsync(context, AnthropicProtocol.Instance))
            .WithName("CreateMessage");
        app.MapPost("/v1/messages/count_tokens", CountTokensEndpoint.HandleAsync).WithName("CountTokens");
        return app;
    }
}

internal sealed class AnthropicProtocol : IEdgeProtocol
{
    public static readonly AnthropicProtocol Instance = new();

    public string Name => "anthropic";

    public Task WriteRefusalAsync(HttpContext context, ApiError refusal) => AnthropicError.WriteAsync(context, refusal);

    public ClientRequest Translate(JsonObject body) =>
        MessagesRequest.Validate(body) is { } invalid
            ? ClientRequest.Invalid(body, invalid)
            : new ClientRequest(body, MessagesRequest.WantsStream(body), false, body, null);

    public IGenerationResponder CreateResponder(ClientRequest request, string model) => new AnthropicResponder(request.Stream);
}
