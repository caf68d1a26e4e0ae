using System.Text.Json.Nodes;
using OrProject.Api.ChatCompletions;
using OrProject.Api.Dispatch;
using OrProject.Protocols.OpenAI.Responses;
namespace OrProject.Api.Responses;

/// <summary>OpenAI's Responses API (text and function calling), for Codex-style clients.</summary>
internal static class ResponsesEndpoints
{
    public static IEndpointRouteBuilder MapResponses(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/responses", (HttpContext context, EdgePipeline pipeline, TimeProvider clock) =>
            pipeline.RunAsync(context, new ResponsesProtocol(clock))).WithName("CreateResponse");
        return app;
    }

    private sealed class ResponsesProtocol(TimeProvider clock) : IEdgeProtocol
    {
        public string Name => "responses";

        public Task WriteRefusalAsync(HttpContext context, ApiError refusal) => OpenAiError.WriteAsync(context, refusal);

        public ClientRequest Translate(JsonObject body) => ClientRequest.From(ResponsesRequestTranslator.ToCanonical(body), body, includeUsage: true);

        public IGenerationResponder CreateResponder(ClientRequest request, string model)
        {
            var context = new ResponsesContext("resp_" + Guid.CreateVersion7().ToString("N"), (string?)request.Original["model"] ?? model,
                clock.GetUtcNow().ToUnixTimeSeconds()) { Request = request.Original };
            return new ResponsesResponder(request.Stream, context);
        }
    }
}
