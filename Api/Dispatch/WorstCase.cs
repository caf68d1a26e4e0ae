using System.Text.Json.Nodes;
using OrProject.Contracts.Events;
using OrProject.Contracts.Pricing;
using OrProject.Protocols.Anthropic;

namespace OrProject.Api.Dispatch;

/// <summary>
/// The most a request can cost, which its key's budget holds while it runs. Output cannot pass <c>max_tokens</c>
/// (thinking included). Input is bounded, not estimated: one token per UTF-8 byte of the request (no tokenizer makes a
/// token of less than a byte, and JSON framing only adds bytes), plus a flat allowance for the framing the upstream adds
/// (tool-use system prompt and the like) and 1,600 tokens for each image (an image given by URL has almost no bytes
/// here). The input side is priced at the dearest way it can be billed: plain input, or written to the cache. So the
/// charge can never exceed the hold, and a budget's holds and spend together never exceed the budget.
/// </summary>
internal static class WorstCase
{
    public const long FramingTokens = 1_024;
    public const long TokensPerImage = 1_600;

    /// <summary>The bound on the input tokens of <paramref name="request"/>, whose JSON text is <paramref name="utf8Bytes"/> long.</summary>
    public static long InputTokens(JsonObject request, long utf8Bytes)
    {
        var images = TokenEstimator.Images(request["system"]);
        if (request["messages"] is JsonArray messages)
        {
            foreach (var message in messages)
            {
                images += TokenEstimator.Images(message?["content"]);
            }
        }

        return utf8Bytes + FramingTokens + (images * TokensPerImage);
    }

    /// <summary>USD per million input tokens when they are billed the dearest way (plain, or either cache write).</summary>
    public static decimal InputCeilingUsdPerMTok(ModelPrice price) => PriceCatalog.InputCeilingUsdPerMTok(price);

    public static decimal CostUsd(ModelPrice price, long inputTokens, long maxTokens) =>
        ((inputTokens * InputCeilingUsdPerMTok(price)) + (maxTokens * price.OutputUsdPerMTok)) / 1_000_000m;

    /// <summary>
    /// What the request's server-side web searches can add: each is priced per search and brings back results the
    /// model reads as input, which the request's own bytes cannot bound. A web search tool's <c>max_uses</c> caps
    /// them (<see cref="DefaultSearches"/> when it is unset), each held at <see cref="TokensPerSearch"/> input tokens.
    /// </summary>
    public static decimal SearchCostUsd(ModelPrice price, JsonObject request)
    {
        long searches = 0;
        if (request["tools"] is JsonArray tools)
        {
            foreach (var tool in tools.OfType<JsonObject>())
            {
                if (tool["type"] is JsonValue type && type.TryGetValue<string>(out var name) && name.StartsWith("web_search", StringComparison.Ordinal))
                {
                    searches += tool["max_uses"] is JsonValue uses && uses.TryGetValue<long>(out var n) && n >= 0 ? n : DefaultSearches;
                }
            }
        }

        return searches == 0 ? 0m : searches * ((PriceCatalog.WebSearchUsdPerThousand(price) / 1_000m) +
            (TokensPerSearch * InputCeilingUsdPerMTok(price) / 1_000_000m));
    }

    public const long DefaultSearches = 20;
    public const long TokensPerSearch = 10_000;

    /// <summary>The largest <c>max_tokens</c> whose worst case fits <paramref name="availableUsd"/>; 0 when the input alone does not.</summary>
    public static long AffordableMaxTokens(ModelPrice price, long inputTokens, decimal availableUsd)
    {
        if (price.OutputUsdPerMTok <= 0m)
        {
            return long.MaxValue;
        }

        var left = (availableUsd * 1_000_000m) - (inputTokens * InputCeilingUsdPerMTok(price));
        return left <= 0m ? 0 : (long)Math.Min(long.MaxValue, decimal.Floor(left / price.OutputUsdPerMTok));
    }
}
