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
/// here). The input side is priced at the dearest way it can be billed: plain input, or written to the cache; for a
/// model billed in two bands by prompt length, at the dearer band whenever the bound passes the band's threshold. So the
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

    /// <summary>The most <paramref name="inputTokens"/> (a bound on the whole prompt) and <paramref name="maxTokens"/> of output can cost.</summary>
    public static decimal CostUsd(ModelPrice price, long inputTokens, long maxTokens)
    {
        var (inputFactor, outputFactor) = Band(price, inputTokens);
        return ((inputTokens * InputCeilingUsdPerMTok(price) * inputFactor) + (maxTokens * price.OutputUsdPerMTok * outputFactor)) / 1_000_000m;
    }

    /// <summary>
    /// The band a prompt of at most <paramref name="inputTokens"/> may be billed in, the dearer when the bound passes the
    /// threshold (the prompt itself may not, and a long-prompt factor below 1 would make the short band the dearer).
    /// </summary>
    private static (decimal Input, decimal Output) Band(ModelPrice price, long inputTokens)
    {
        var (input, output) = PriceCatalog.Band(price, inputTokens);
        return (Math.Max(1m, input), Math.Max(1m, output));
    }

    /// <summary>
    /// How many server-side web searches the request may make: a web search tool's <c>max_uses</c> caps them
    /// (<see cref="DefaultSearches"/> when it is unset). Each is priced per search and brings back results the model
    /// reads as input, which the request's own bytes cannot bound: <see cref="TokensPerSearch"/> tokens each, which the
    /// hold adds to the prompt's bound (<see cref="CostUsd"/>), and the fee (<see cref="SearchFeesUsd"/>).
    /// </summary>
    public static long Searches(JsonObject request)
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

        return searches;
    }

    /// <summary>What <paramref name="searches"/> web searches cost in fees, their results apart.</summary>
    public static decimal SearchFeesUsd(ModelPrice price, long searches) =>
        searches * PriceCatalog.WebSearchUsdPerThousand(price) / 1_000m;

    public const long DefaultSearches = 20;
    public const long TokensPerSearch = 10_000;

    /// <summary>The largest <c>max_tokens</c> whose worst case fits <paramref name="availableUsd"/>; 0 when the input alone does not.</summary>
    public static long AffordableMaxTokens(ModelPrice price, long inputTokens, decimal availableUsd)
    {
        var (inputFactor, outputFactor) = Band(price, inputTokens);
        var output = price.OutputUsdPerMTok * outputFactor;
        if (output <= 0m)
        {
            return long.MaxValue;
        }

        var left = (availableUsd * 1_000_000m) - (inputTokens * InputCeilingUsdPerMTok(price) * inputFactor);
        return left <= 0m ? 0 : (long)Math.Min(long.MaxValue, decimal.Floor(left / output));
    }
}
