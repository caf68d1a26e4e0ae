using System.Globalization;
using System.Text.Json.Nodes;
using OrProject.Api.Auth;
using OrProject.Api.ChatCompletions;
using OrProject.Api.Dispatch;
using OrProject.Api.Messages;
using OrProject.Contracts.Pricing;
using OrProject.Projections.Keys;
using OrProject.Projections.Settings;
using OrProject.Protocols.Anthropic;

namespace OrProject.Api.Models;

/// <summary>
/// <c>GET /v1/models</c> and <c>/v1/models/{id}</c>: the priced catalog plus the admin's aliases, in Anthropic's
/// paginated shape when the request carries <c>anthropic-version</c>, in OpenAI's list shape otherwise. A key with an
/// allow-list of models sees only those, and the aliases that resolve to them.
/// </summary>
internal static class ModelsEndpoints
{
    // A fixed date: the catalog has no real creation times, and clients only need a valid RFC 3339 value.
    private static readonly DateTimeOffset Created = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static IEndpointRouteBuilder MapModels(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/models", ListAsync).WithName("ListModels");
        app.MapGet("/v1/models/{id}", GetAsync).WithName("GetModel");
        return app;
    }

    private static async Task ListAsync(HttpContext context, KeyAdmission admission, SettingsReader settings,
        int? limit, string? after_id, string? before_id)
    {
        if (await AuthorizeAsync(context, admission) is not { } key)
        {
            return;
        }

        var catalog = await CatalogAsync(settings, context.RequestAborted);
        var ids = catalog.AllowedTo(key);
        if (!IsAnthropic(context.Request))
        {
            await context.Response.WriteAsJsonAsync(new JsonObject
            {
                ["object"] = "list",
                ["data"] = new JsonArray([.. ids.Select(OpenAiModel)]),
            }, context.RequestAborted);
            return;
        }

        var page = Page(ids, Math.Clamp(limit ?? 20, 1, 1000), after_id, before_id, out var hasMore);
        await context.Response.WriteAsJsonAsync(new JsonObject
        {
            ["data"] = new JsonArray([.. page.Select(catalog.AnthropicModel)]),
            ["has_more"] = hasMore,
            ["first_id"] = page.FirstOrDefault(),
            ["last_id"] = page.LastOrDefault(),
        }, context.RequestAborted);
    }

    private static async Task GetAsync(HttpContext context, string id, KeyAdmission admission, SettingsReader settings)
    {
        if (await AuthorizeAsync(context, admission) is not { } key)
        {
            return;
        }

        var catalog = await CatalogAsync(settings, context.RequestAborted);
        var known = catalog.AllowedTo(key).FirstOrDefault(m => string.Equals(m, id, StringComparison.OrdinalIgnoreCase));
        if (known is null)
        {
            await WriteErrorAsync(context, new ApiError(404, AnthropicErrors.NotFound, $"model: {id}"));
            return;
        }

        await context.Response.WriteAsJsonAsync(IsAnthropic(context.Request) ? catalog.AnthropicModel(known) : OpenAiModel(known), context.RequestAborted);
    }

    private static List<string> Page(List<string> ids, int limit, string? afterId, string? beforeId, out bool hasMore)
    {
        if (beforeId is not null && ids.IndexOf(beforeId) is var end and >= 0)
        {
            var start = Math.Max(0, end - limit);
            hasMore = start > 0;
            return ids[start..end];
        }

        var from = afterId is not null && ids.IndexOf(afterId) is var at and >= 0 ? at + 1 : 0;
        var page = ids.Skip(from).Take(limit).ToList();
        hasMore = from + page.Count < ids.Count;
        return page;
    }

    private static async Task<Catalog> CatalogAsync(SettingsReader settings, CancellationToken ct) =>
        new(await settings.GetAsync(ct));

    /// <summary>The priced models and the aliases, with what the model table knows of each one's limits.</summary>
    private sealed class Catalog(GatewaySettings settings)
    {
        public List<string> Ids { get; } =
            [.. settings.PriceTable().Select(p => p.Id).Concat(settings.ModelAliases.Keys).Distinct(StringComparer.OrdinalIgnoreCase)];

        /// <summary>The ids the key may ask for: those that resolve (aliases first) to a model on its allow-list.</summary>
        public List<string> AllowedTo(KeyLedger key) =>
            key.Models is { Length: > 0 } ? [.. Ids.Where(id => key.Allows(Canonicalizer.ResolveModel(id, settings)))] : Ids;

        /// <summary>
        /// Anthropic's model object; <c>max_input_tokens</c> and <c>max_tokens</c> when the model table (or the id,
        /// for Claude) knows them: an alias reports the limits of the model it stands for.
        /// </summary>
        public JsonObject AnthropicModel(string id)
        {
            var model = new JsonObject
            {
                ["type"] = "model",
                ["id"] = id,
                ["display_name"] = DisplayName(id),
                ["created_at"] = Created.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            };
            var served = Canonicalizer.ResolveModel(id, settings);
            if (PriceCatalog.Find(settings.PriceTable(), served) is { } row)
            {
                if (ModelLimits.ContextWindow(row, served) is { } window)
                {
                    model["max_input_tokens"] = window;
                }

                if (ModelLimits.MaxOutputTokens(row, served) is { } output)
                {
                    model["max_tokens"] = output;
                }
            }

            return model;
        }
    }

    private static JsonObject OpenAiModel(string id) => new()
    {
        ["id"] = id,
        ["object"] = "model",
        ["created"] = Created.ToUnixTimeSeconds(),
        ["owned_by"] = "orproject",
    };

    /// <summary><c>claude-sonnet-4-5</c> → <c>Claude Sonnet 4.5</c>.</summary>
    private static string DisplayName(string id)
    {
        var parts = id.Split('-');
        var words = parts.TakeWhile(p => !char.IsDigit(p[0])).Select(p => char.ToUpperInvariant(p[0]) + p[1..]);
        var version = string.Join('.', parts.SkipWhile(p => !char.IsDigit(p[0])));
        return (string.Join(' ', words) + " " + version).Trim();
    }

    private static bool IsAnthropic(HttpRequest request) => request.Headers.ContainsKey("anthropic-version");

    /// <summary>The key, or null once the refusal is written.</summary>
    private static async Task<KeyLedger?> AuthorizeAsync(HttpContext context, KeyAdmission admission)
    {
        var admitted = await admission.AuthenticateAsync(context.Request, context.RequestAborted);
        if (admitted.Refusal is { } refused)
        {
            await (IsAnthropic(context.Request) ? AnthropicError.WriteAsync(context, refused) : OpenAiError.WriteAsync(context, refused));
            return null;
        }

        return admitted.Key;
    }

    private static Task WriteErrorAsync(HttpContext context, ApiError error) =>
        IsAnthropic(context.Request) ? AnthropicError.WriteAsync(context, error) : OpenAiError.WriteAsync(context, error);
}
