using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using OrProject.Api.Auth;
using OrProject.Api.Messages;
using OrProject.Api.Streaming;
using OrProject.Contracts.Messaging;
using OrProject.Contracts.Pricing;
using OrProject.Projections.Settings;
using OrProject.Protocols.Anthropic;
using OrProject.Protocols.OpenAI;

namespace OrProject.Api.Dispatch;

/// <summary>
/// The request path every generation route shares: admission (key, expired, disabled, spent) → body → protocol
/// translation → model (no price, no service; not on the key's allow-list, refused) and system prompt → the budget
/// hold of the request's worst case, under which the key's rate and concurrency limits are decided too →
/// dispatch to a worker → the protocol's responder. From the hold on, <see cref="GenerationPump"/> and the worker
/// see to it that the hold is settled: charged, released, or (when both die) expired.
/// </summary>
internal sealed class EdgePipeline(KeyAdmission admission, SettingsReader settings, BudgetHolds holds, GenerationPump pump,
    ReplyRouter router, IOptions<EdgeOptions> options, TimeProvider clock)
{
    private static readonly string[] ForwardedHeaders = ["anthropic-version", "anthropic-beta"];

    public async Task RunAsync(HttpContext context, IEdgeProtocol protocol)
    {
        var aborted = context.RequestAborted;
        var admitted = await admission.AdmitAsync(context.Request, aborted);
        if (admitted.Refusal is { } refused)
        {
            await protocol.WriteRefusalAsync(context, refused);
            return;
        }

        var body = await RequestBody.ReadAsync(context, options);
        if (body.Json is not { } json)
        {
            await protocol.WriteRefusalAsync(context, new ApiError(body.Status, AnthropicErrors.TypeFor(body.Status), body.Error));
            return;
        }

        var request = protocol.Translate(json);
        if (request.Canonical is not { } canonical)
        {
            await protocol.WriteRefusalAsync(context, ApiError.Invalid(request.Error ?? "Invalid request."));
            return;
        }

        if (canonical["model"] is not JsonValue modelValue || !modelValue.TryGetValue<string>(out var requested) || requested.Length == 0)
        {
            await protocol.WriteRefusalAsync(context, ApiError.Invalid("model: Input should be a valid string"));
            return;
        }

        var current = await settings.GetAsync(aborted);
        var model = Canonicalizer.ResolveModel(requested, current);
        if (PriceCatalog.Find(current.PriceTable(), model) is not { } price)
        {
            await protocol.WriteRefusalAsync(context, ApiError.UnpricedModel(requested));
            return;
        }

        if (!admitted.Key.Allows(model))
        {
            await protocol.WriteRefusalAsync(context, KeyLimitRefusals.ModelNotAllowed(requested, model, admitted.Key.Models!));
            return;
        }

        Canonicalizer.Apply(canonical, model, current);
        if (request.Translated)
        {
            ModelFit.Apply(canonical, request.Original, model, ModelLimits.DefaultMaxTokens(price, model));
        }

        if (MaxTokensRefusal(canonical, model, ModelLimits.MaxOutputTokens(price, model)) is { } tooLarge)
        {
            await protocol.WriteRefusalAsync(context, tooLarge);
            return;
        }
        // UTF-8 straight from the tree: the dispatch carries bytes, so the body is never a .NET string on the way.
        var canonicalBody = JsonSerializer.SerializeToUtf8Bytes(canonical, Json.Relaxed);
        var requestId = EdgeRequest.Id(context);
        var key = admitted.Key;
        var replyAddress = await router.Address.WaitAsync(aborted);
        var (unaffordable, rates) = await holds.TryHoldAsync(requestId, key, price, canonical, canonicalBody.Length);
        if (unaffordable is not null)
        {
            await protocol.WriteRefusalAsync(context, unaffordable);
            return;
        }

        if (rates is not null)
        {
            // A key with rpm or tpm tells every answer what is left, as the vendors' APIs do (refusals say it too).
            RateLimitHeaders.Write(context.Response, rates, openAi: request.Translated);
        }

        var dispatch = new DispatchGeneration(
            RequestId: requestId,
            KeyId: key.Id,
            ReplyAddress: replyAddress,
            Stream: request.Stream,
            Body: canonicalBody,
            ModelRequested: requested,
            Model: model,
            Headers: Headers(context.Request),
            Affinity: Affinity(context.Request, canonical, json),
            RequestedAt: clock.GetUtcNow(),
            Deadline: pump.Deadline(),
            Capability: Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16)),
            Protocol: protocol.Name);
        await pump.RunAsync(context, dispatch, protocol.CreateResponder(request, model));
    }

    /// <summary>
    /// <c>max_tokens</c> beyond the model's output limit (the model table's, or the one Claude's id implies), or beyond
    /// any model's (a 32-bit count: nothing past it is ever parsed further), refused before a hold or a worker sees it.
    /// </summary>
    private static ApiError? MaxTokensRefusal(JsonObject canonical, string model, int? modelLimit)
    {
        if (canonical["max_tokens"] is not JsonValue value || value.GetValueKind() != System.Text.Json.JsonValueKind.Number)
        {
            return null; // the route's own validation already answered a missing or mistyped max_tokens
        }

        var text = value.ToJsonString();
        var limit = modelLimit ?? int.MaxValue;
        return decimal.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var requested) &&
               requested > limit
            ? ApiError.MaxTokensTooLarge(text, limit, model)
            : null;
    }

    /// <summary>The client headers a worker forwards to the upstream.</summary>
    internal static Dictionary<string, string> Headers(HttpRequest request)
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

    /// <summary>
    /// A conversation hint for account affinity, so that its turns reach the account that cached its prefix: Claude
    /// Code's or Codex's session header, else OpenAI's <c>prompt_cache_key</c> (sent for exactly this), else the user id
    /// (<c>metadata.user_id</c>, which the OpenAI routes fill from <c>user</c>).
    /// </summary>
    private static string? Affinity(HttpRequest request, JsonObject body, JsonObject original) =>
        request.Headers["x-claude-code-session-id"].ToString() is { Length: > 0 } session ? session
        : request.Headers["session_id"].ToString() is { Length: > 0 } codex ? codex
        : original["prompt_cache_key"] is JsonValue cacheKey && cacheKey.TryGetValue<string>(out var key) && key.Length > 0 ? key
        : (body["metadata"] as JsonObject)?["user_id"] is JsonValue user && user.TryGetValue<string>(out var id) ? id : null;
}
