using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using OrProject.Api.Auth;
using OrProject.Api.Dispatch;
using OrProject.Contracts.Anthropic;
using OrProject.Projections.Settings;

namespace OrProject.Api.Messages;

/// <summary>
/// <c>POST /v1/messages/count_tokens</c>: <c>{"input_tokens": N}</c> from the local estimate
/// (<see cref="TokenEstimator"/>), which counts system, messages and tools. Free, so a spent budget does not block it.
/// </summary>
internal static class CountTokensEndpoint
{
    public static async Task HandleAsync(HttpContext context, KeyAdmission admission, SettingsReader settings, IOptions<EdgeOptions> options)
    {
        var key = await admission.FindAsync(context.Request, context.RequestAborted);
        if (key is null || key.Disabled)
        {
            await AnthropicError.WriteAsync(context, key is null ? 401 : 403, key is null ? AnthropicErrors.Authentication : AnthropicErrors.Permission,
                key is null ? "invalid x-api-key" : "This API key is disabled.");
            return;
        }

        var body = await RequestBody.ReadAsync(context, options);
        if (body.Json is not { } json)
        {
            await AnthropicError.WriteAsync(context, body.Status, AnthropicErrors.TypeFor(body.Status), body.Error);
            return;
        }

        if (MessagesRequest.Validate(json, countTokens: true) is { } invalid)
        {
            await AnthropicError.WriteAsync(context, 400, AnthropicErrors.InvalidRequest, invalid);
            return;
        }

        var current = await settings.GetAsync(context.RequestAborted);
        Canonicalizer.Apply(json, Canonicalizer.ResolveModel((string?)json["model"], current), current);
        await context.Response.WriteAsJsonAsync(new JsonObject { ["input_tokens"] = TokenEstimator.Estimate(json) }, context.RequestAborted);
    }
}
