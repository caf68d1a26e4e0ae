using System.ClientModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using OpenAI;
using OpenAI.Chat;
using OrProject.Contracts.Pricing;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

/// <summary>
/// Prompt caching for OpenAI-format clients: the gateway marks cache breakpoints, and an upstream that caches the way
/// Anthropic does (a prefix up to a marked block, read back when a later request repeats it) charges the second turn
/// of a conversation at the cache-read price.
/// </summary>
[Collection(nameof(GatewayCollection))]
public sealed class PromptCachingTests(GatewayFixture fixture) : IAsyncLifetime
{
    public Task InitializeAsync() => fixture.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ChatConversation_SecondTurn_ReadsTheFirstTurnsPrefixFromTheCacheAndIsChargedAtTheReadPrice()
    {
        var cache = new CachingUpstream();
        fixture.Upstream.Respond = cache.RespondAsync;
        var key = await fixture.IssueKeyAsync(budgetUsd: 50m);
        var options = new OpenAIClientOptions { Endpoint = new Uri(fixture.BaseAddress + "/v1"), RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0) };
        var chat = new ChatClient("claude-sonnet-4-5", new ApiKeyCredential(key.Key), options);
        var history = new List<ChatMessage>
        {
            new SystemChatMessage("You review code. " + string.Concat(Enumerable.Repeat("Follow the house style closely. ", 200))),
            new UserChatMessage("Here is the file: " + string.Concat(Enumerable.Repeat("int x = 1; ", 400))),
        };

        ChatCompletion first = await chat.CompleteChatAsync(history);
        history.Add(new AssistantChatMessage(first.Content[0].Text));
        history.Add(new UserChatMessage("And the second file?"));
        ChatCompletion second = await chat.CompleteChatAsync(history);

        Assert.Equal(0, first.Usage.InputTokenDetails.CachedTokenCount);
        Assert.True(cache.Reads[1] > 1000, $"the second turn read {cache.Reads[1]} tokens from the cache");
        Assert.Equal(cache.Reads[1], second.Usage.InputTokenDetails.CachedTokenCount);

        // The ledger charged the second turn's cached prefix at the cache-read price, not the input price.
        var recorded = await Eventually.ReadAsync(
            async () => (await fixture.AdminGetAsync($"/admin/api/events?stream={key.Id}")).EnumerateArray()
                .Where(e => e.GetProperty("type").GetString() == "UsageRecorded").Select(e => e.GetProperty("data")).ToList(),
            list => list.Count == 2);
        var turn = recorded[1];
        Assert.Equal(cache.Reads[1], turn.GetProperty("cacheReadTokens").GetInt64());
        var price = PriceCatalog.Default.Single(p => p.Id == "claude-sonnet-4-5");
        Assert.Equal(PriceCatalog.Cost(price, cache.Inputs[1], CachingUpstream.OutputTokens, cache.Writes[1], cache.Reads[1]),
            turn.GetProperty("costUsd").GetDecimal());
        Assert.True(turn.GetProperty("costUsd").GetDecimal() < PriceCatalog.Cost(price, cache.Inputs[1] + cache.Reads[1] + cache.Writes[1], CachingUpstream.OutputTokens, 0, 0) / 2);
    }

    /// <summary>
    /// Caches as Anthropic does, closely enough for a client to depend on it: the request is a sequence of blocks
    /// (tools, system, then each message's content); a block marked <c>cache_control</c> ends a cacheable prefix; the
    /// longest marked prefix seen before is read, the last marked prefix is written. Tokens are characters / 4.
    /// </summary>
    private sealed class CachingUpstream
    {
        public const long OutputTokens = 3;

        private readonly HashSet<string> _written = [];

        public List<long> Reads { get; } = [];

        public List<long> Writes { get; } = [];

        public List<long> Inputs { get; } = [];

        public Task RespondAsync(HttpContext context, UpstreamRequest request)
        {
            var body = JsonNode.Parse(request.Body)!.AsObject();
            var blocks = new List<(string Text, bool Marked)>();
            foreach (var tool in (body["tools"] as JsonArray) ?? [])
            {
                blocks.Add(Block(tool!));
            }

            foreach (var block in body["system"] is JsonArray system ? system : [])
            {
                blocks.Add(Block(block!));
            }

            foreach (var message in body["messages"]!.AsArray())
            {
                var role = (string?)message!["role"];
                foreach (var block in message["content"] is JsonArray content ? content : new JsonArray(JsonValue.Create((string?)message["content"])))
                {
                    var (text, marked) = Block(block!);
                    blocks.Add((role + ":" + text, marked));
                }
            }

            long Tokens(int upTo) => blocks.Take(upTo).Sum(b => (long)b.Text.Length) / 4;
            string Prefix(int upTo) => string.Join("\u0001", blocks.Take(upTo).Select(b => b.Text));
            var marks = Enumerable.Range(1, blocks.Count).Where(n => blocks[n - 1].Marked).ToList();
            var read = marks.Where(n => _written.Contains(Prefix(n))).Select(Tokens).DefaultIfEmpty(0).Max();
            var write = 0L;
            if (marks.Count > 0 && _written.Add(Prefix(marks[^1])))
            {
                write = Tokens(marks[^1]) - read;
            }

            var input = Tokens(blocks.Count) - read - write;
            Reads.Add(read);
            Writes.Add(write);
            Inputs.Add(input);
            return FakeAnthropic.WriteTextAsync(context, ["Looks", " fine."], inputTokens: input, outputTokens: OutputTokens, cacheCreation: write, cacheRead: read);
        }

        private static (string Text, bool Marked) Block(JsonNode block)
        {
            if (block is JsonObject json)
            {
                var marked = json.ContainsKey("cache_control");
                var copy = json.DeepClone().AsObject();
                copy.Remove("cache_control");
                return (copy.ToJsonString(), marked);
            }

            return (JsonSerializer.Serialize(new { type = "text", text = (string?)block }), false);
        }
    }
}
