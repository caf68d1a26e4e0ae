using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using OrProject.Api.Auth;
using OrProject.Api.Dispatch;
using OrProject.Api.Streaming;
using OrProject.Contracts.Anthropic;
using OrProject.Contracts.Messaging;
using OrProject.Projections.Settings;

namespace OrProject.Api.Messages;

/// <summary>Anthropic's Messages API: <c>POST /v1/messages</c>, streaming or not, every field passed through.</summary>
internal static class MessagesEndpoints
{
    private static readonly string[] ForwardedHeaders = ["anthropic-version", "anthropic-beta"];

    public static IEndpointRouteBuilder MapMessages(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/messages", CreateAsync).WithName("CreateMessage");
        return app;
    }

    private static async Task CreateAsync(HttpContext context, KeyAdmission admission, SettingsReader settings,
        GenerationPump pump, ReplyRouter router, IOptions<EdgeOptions> options)
    {
        var aborted = context.RequestAborted;
        var admitted = await admission.AdmitAsync(context.Request, aborted);
        if (!admitted.Admitted)
        {
            await AnthropicError.WriteAsync(context, admitted.Status, admitted.ErrorType, admitted.Message);
            return;
        }

        var body = await RequestBody.ReadAsync(context, options);
        if (body.Json is not { } json)
        {
            await AnthropicError.WriteAsync(context, body.Status, AnthropicErrors.TypeFor(body.Status), body.Error);
            return;
        }

        if (MessagesRequest.Validate(json) is { } invalid)
        {
            await AnthropicError.WriteAsync(context, 400, AnthropicErrors.InvalidRequest, invalid);
            return;
        }

        var stream = MessagesRequest.WantsStream(json);
        var requested = (string)json["model"]!;
        var current = await settings.GetAsync(aborted);
        var model = Canonicalizer.ResolveModel(requested, current);
        Canonicalizer.Apply(json, model, current);

        var dispatch = new DispatchGeneration(
            EdgeRequest.Id(context),
            admitted.Key!.Id,
            await router.Address.WaitAsync(aborted),
            stream,
            json.ToJsonString(Json.Relaxed),
            requested,
            model,
            Headers(context.Request),
            Affinity(context.Request, json),
            DateTimeOffset.UtcNow,
            pump.Deadline());
        await pump.RunAsync(context, dispatch, new AnthropicResponder(stream));
    }

    private static Dictionary<string, string> Headers(HttpRequest request)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in ForwardedHeaders)
        {
            if (request.Headers[name].ToString() is { Length: > 0 } value)
            {
                headers[name] = value;
            }
        }

        return headers;
    }

    /// <summary>A conversation hint for account affinity: Claude Code's session header, else <c>metadata.user_id</c>.</summary>
    private static string? Affinity(HttpRequest request, JsonObject body) =>
        request.Headers["x-claude-code-session-id"].ToString() is { Length: > 0 } session
            ? session
            : (body["metadata"] as JsonObject)?["user_id"] is JsonValue user && user.TryGetValue<string>(out var id) ? id : null;
}
