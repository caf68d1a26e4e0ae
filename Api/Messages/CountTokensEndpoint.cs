using System.Text.Json.Nodes;
using MassTransit;
using Microsoft.Extensions.Options;
using OrProject.Api.Auth;
using OrProject.Api.Dispatch;
using OrProject.Api.Streaming;
using OrProject.Contracts.Messaging;
using OrProject.Projections.Settings;
using OrProject.Protocols.Anthropic;

namespace OrProject.Api.Messages;

/// <summary>
/// <c>POST /v1/messages/count_tokens</c>: forwarded through a worker to an Anthropic account that serves the model;
/// when none can count (no such account, or it fails, or no worker answers in a few seconds), the local estimate
/// (<see cref="TokenEstimator"/>: system, messages and tools). Free, but for keys that may spend: a disabled or
/// spent key, or a model off the key's allow-list, is refused as it would be on <c>/v1/messages</c>.
/// </summary>
internal static class CountTokensEndpoint
{
    private static readonly RequestTimeout UpstreamTimeout = RequestTimeout.After(s: 5);

    public static async Task HandleAsync(HttpContext context, KeyAdmission admission, SettingsReader settings,
        IRequestClient<CountTokens> upstream, IOptions<EdgeOptions> options)
    {
        // Never charged, but only for a key that could send the request it counts: known, enabled and not spent.
        var admitted = await admission.AdmitAsync(context.Request, context.RequestAborted);
        if (admitted.Refusal is { } refused)
        {
            await AnthropicError.WriteAsync(context, refused);
            return;
        }

        var body = await RequestBody.ReadAsync(context, options);
        if (body.Json is not { } json)
        {
            await AnthropicError.WriteAsync(context, new ApiError(body.Status, AnthropicErrors.TypeFor(body.Status), body.Error));
            return;
        }

        if (MessagesRequest.Validate(json, countTokens: true) is { } invalid)
        {
            await AnthropicError.WriteAsync(context, ApiError.Invalid(invalid));
            return;
        }

        var current = await settings.GetAsync(context.RequestAborted);
        var model = Canonicalizer.ResolveModel((string?)json["model"], current);
        if (!admitted.Key.Allows(model))
        {
            // It reaches an upstream account for that model: only for a key that may use it.
            await AnthropicError.WriteAsync(context, KeyLimitRefusals.ModelNotAllowed((string?)json["model"] ?? model, model, admitted.Key.Models!));
            return;
        }

        Canonicalizer.Apply(json, model, current);
        json.Remove("stream"); // count_tokens takes no stream flag

        var counted = await AskUpstreamAsync(context, upstream, json, model);
        if (counted is { InputTokens: null, Status: >= 400 and < 500, Body: { } refusal })
        {
            // The upstream refused the request itself (a 400 and its wording): the client sees exactly that.
            context.Response.StatusCode = counted.Status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(refusal, context.RequestAborted);
            return;
        }

        var tokens = counted?.InputTokens ?? TokenEstimator.Estimate(json);
        await context.Response.WriteAsJsonAsync(new JsonObject { ["input_tokens"] = tokens }, context.RequestAborted);
    }

    private static async Task<TokensCounted?> AskUpstreamAsync(HttpContext context, IRequestClient<CountTokens> upstream, JsonObject json, string model)
    {
        var headers = EdgePipeline.Headers(context.Request);
        try
        {
            var response = await upstream.GetResponse<TokensCounted>(
                new CountTokens(EdgeRequest.Id(context), json.ToJsonString(Json.Relaxed), model, headers), context.RequestAborted, UpstreamTimeout);
            return response.Message;
        }
        catch (RequestTimeoutException)
        {
            return null; // no worker answered in time: estimate
        }
    }
}
