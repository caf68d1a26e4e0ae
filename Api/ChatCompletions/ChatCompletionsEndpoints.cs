using System.Text.Json.Nodes;
using OrProject.Api.Dispatch;
using OrProject.Protocols.OpenAI.Chat;
namespace OrProject.Api.ChatCompletions;

/// <summary>OpenAI's Chat Completions, translated to the canonical request and back.</summary>
internal static class ChatCompletionsEndpoints
{
    public static IEndpointRouteBuilder MapChatCompletions(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/chat/completions", (HttpContext context, EdgePipeline pipeline, TimeProvider clock) =>
            pipeline.RunAsync(context, new ChatProtocol(clock))).WithName("CreateChatCompletion");
        return app;
    }

    private sealed class ChatProtocol(TimeProvider clock) : IEdgeProtocol
    {
        public string Name => "chat";

        public Task WriteRefusalAsync(HttpContext context, ApiError refusal) => OpenAiError.WriteAsync(context, refusal);

        public ClientRequest Translate(JsonObject body)
        {
            var result = ChatRequestTranslator.ToCanonical(body);
            return ClientRequest.From(result, body, result.IncludeUsage);
        }

        public IGenerationResponder CreateResponder(ClientRequest request, string model) =>
            new ChatResponder(request.Stream, request.IncludeUsage, (string?)request.Original["model"] ?? model,
                "chatcmpl-" + Guid.CreateVersion7().ToString("N"), clock.GetUtcNow().ToUnixTimeSeconds());
    }
}
