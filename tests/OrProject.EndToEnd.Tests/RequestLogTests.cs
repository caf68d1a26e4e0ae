using System.ClientModel;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Anthropic.Models.Messages;
using Microsoft.AspNetCore.Http;
using OpenAI;
using OpenAI.Chat;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

/// <summary>
/// <c>GET /admin/api/requests</c>: one row per admitted request, whichever protocol, streamed or not, answered or
/// refused by the upstream, with what the ledger charged, and its filters and paging.
/// </summary>
[Collection(nameof(GatewayCollection))]
public sealed class RequestLogTests(GatewayFixture fixture) : GatewayTest(fixture)
{
    private const string Prompt = "the-prompt-text-never-logged";
    private const string Served = FakeAnthropic.Model;

    [Fact]
    public async Task Requests_BothProtocolsStreamedOrNotAndARefusal_OneRowEachWithWhatTheLedgerCharged()
    {
        var key = await Fixture.IssueKeyAsync(name: "reqlog-main");
        var other = await Fixture.IssueKeyAsync(name: "reqlog-other");
        // A pause between the upstream's events: time to first token and duration are then measurably apart.
        Upstream.Respond = (ctx, _) => FakeAnthropic.WriteTextAsync(ctx, ["Hel", "lo"], inputTokens: 30, outputTokens: 4, cacheCreation: 5,
            cacheRead: 6, delayMs: 25);

        var anthropic = await ClientAsync(key);
        await anthropic.Messages.Create(new MessageCreateParams { MaxTokens = 50, Model = Model, Messages = [new UserMessageParam(Prompt)] });
        await foreach (var _ in anthropic.Messages.CreateStreaming(new MessageCreateParams
                       {
                           MaxTokens = 50, Model = "claude-haiku-4-5", Messages = [new UserMessageParam(Prompt)],
                       }))
        {
        }

        var chat = new ChatClient(Model, new ApiKeyCredential(key.Key), new OpenAIClientOptions
        {
            Endpoint = new Uri(Fixture.BaseAddress + "/v1"), RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0),
        });
        await chat.CompleteChatAsync([new UserChatMessage(Prompt)]);
        await foreach (var _ in chat.CompleteChatStreamingAsync([new UserChatMessage(Prompt)]))
        {
        }

        Upstream.Respond = (ctx, _) => FakeAnthropic.WriteErrorAsync(ctx, StatusCodes.Status400BadRequest, "invalid_request_error", "prompt is too long");
        using (var refused = await SendAsync(Post("/v1/messages", Body(text: Prompt), key.Key)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        }

        Upstream.Reset();
        using (var elsewhere = await SendAsync(Post("/v1/messages", Body(), other.Key)))
        {
            elsewhere.EnsureSuccessStatusCode();
        }

        var rows = await RowsAsync($"key={key.Id}", expected: 5);
        var charges = await ChargesAsync(key.Id);

        // Newest first, one row per request, each as it happened.
        Assert.Equal(5, rows.Select(r => r.GetProperty("requestId").GetString()).Distinct().Count());
        Assert.True(rows.Zip(rows.Skip(1)).All(p => p.First.GetProperty("at").GetDateTimeOffset() >= p.Second.GetProperty("at").GetDateTimeOffset()));
        var served = rows.Where(r => r.GetProperty("outcome").GetString() == "completed").ToList();
        Assert.Equal(
            new[] { ("anthropic", false, Model), ("anthropic", true, "claude-haiku-4-5"), ("chat", false, Model), ("chat", true, Model) },
            served.Select(r => (r.GetProperty("protocol").GetString()!, r.GetProperty("stream").GetBoolean(), r.GetProperty("modelRequested").GetString()!))
                .OrderBy(r => r.Item1, StringComparer.Ordinal).ThenBy(r => r.Item2));
        foreach (var row in served)
        {
            var id = row.GetProperty("requestId").GetString()!;
            Assert.Equal((key.Id, "reqlog-main", Served, 200), (row.GetProperty("keyId").GetString(), row.GetProperty("keyName").GetString(),
                row.GetProperty("modelServed").GetString(), row.GetProperty("status").GetInt32()));
            Assert.False(string.IsNullOrEmpty(row.GetProperty("accountId").GetString()));
            Assert.Equal((30L, 4L, 6L, 5L), (row.GetProperty("inputTokens").GetInt64(), row.GetProperty("outputTokens").GetInt64(),
                row.GetProperty("cacheReadTokens").GetInt64(), row.GetProperty("cacheWriteTokens").GetInt64()));
            Assert.True(row.GetProperty("costUsd").GetDecimal() > 0m);
            Assert.Equal(charges[id], row.GetProperty("costUsd").GetDecimal());
            var (ttft, duration) = (row.GetProperty("ttftMs").GetInt64(), row.GetProperty("durationMs").GetInt64());
            Assert.True(ttft >= 0 && ttft <= duration, $"ttft {ttft} ms, duration {duration} ms");
            Assert.True(duration >= 100, $"the upstream paused 25 ms between its 8 events, yet the duration is {duration} ms");
        }

        var failed = Assert.Single(rows, r => r.GetProperty("outcome").GetString() == "error");
        Assert.Equal(("anthropic", false, 400, 0m), (failed.GetProperty("protocol").GetString(), failed.GetProperty("stream").GetBoolean(),
            failed.GetProperty("status").GetInt32(), failed.GetProperty("costUsd").GetDecimal()));
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("ttftMs").ValueKind);
        Assert.Equal(JsonValueKind.Null, failed.GetProperty("modelServed").ValueKind);
        Assert.Equal(0L, failed.GetProperty("inputTokens").GetInt64());
        Assert.False(charges.ContainsKey(failed.GetProperty("requestId").GetString()!), "a refused request is not charged");

        // Every cent of the key's spend is in its rows; no prompt text is anywhere in them.
        var spent = (await Fixture.AdminGetAsync($"/admin/api/keys/{key.Id}")).GetProperty("spentUsd").GetDecimal();
        Assert.Equal(spent, rows.Sum(r => r.GetProperty("costUsd").GetDecimal()));
        Assert.DoesNotContain(Prompt, JsonSerializer.Serialize(rows), StringComparison.Ordinal);

        // Filters.
        var elsewhereRow = Assert.Single(await ListAsync($"key={other.Id}"));
        Assert.Equal("reqlog-other", elsewhereRow.GetProperty("keyName").GetString());
        Assert.Equal("claude-haiku-4-5", Assert.Single(await ListAsync($"key={key.Id}&model=claude-haiku-4-5")).GetProperty("modelRequested").GetString());
        Assert.Equal(4, (await ListAsync($"key={key.Id}&model={Served}")).Count); // served: the refused one was served by none
        Assert.Equal(4, (await ListAsync($"key={key.Id}&model={Model}")).Count); // asked: all but the one that asked for haiku
        Assert.Equal(failed.GetProperty("requestId").GetString(),
            Assert.Single(await ListAsync($"key={key.Id}&outcome=error")).GetProperty("requestId").GetString());
        Assert.Equal(4, (await ListAsync($"key={key.Id}&outcome=completed")).Count);
        Assert.Empty(await ListAsync($"key={key.Id}&outcome=cancelled"));
        var middle = rows[2].GetProperty("at").GetDateTimeOffset();
        var stamp = Uri.EscapeDataString(middle.ToString("O"));
        Assert.Equal(rows.Take(3).Select(Id), (await ListAsync($"key={key.Id}&from={stamp}")).Select(Id));
        Assert.Equal(rows.Skip(3).Select(Id), (await ListAsync($"key={key.Id}&to={stamp}")).Select(Id));

        // Paging: pages of two, each before the last row seen, give every row once, in order.
        var paged = new List<JsonElement>();
        string? before = null;
        for (var page = 0; page < 5; page++)
        {
            var rowsOfPage = await ListAsync($"key={key.Id}&limit=2" + (before is null ? "" : $"&before={before}"));
            Assert.True(rowsOfPage.Count <= 2);
            if (rowsOfPage.Count == 0)
            {
                break;
            }

            paged.AddRange(rowsOfPage);
            before = Id(rowsOfPage[^1]);
        }

        Assert.Equal(rows.Select(Id), paged.Select(Id));
    }

    [Fact]
    public async Task Requests_EveryAccountFailsAStreamedChatRequest_ReleasedRowWithTheStatusTheClientGot()
    {
        var key = await Fixture.IssueKeyAsync(name: "reqlog-failing");
        Upstream.Respond = (ctx, _) => FakeAnthropic.WriteErrorAsync(ctx, StatusCodes.Status500InternalServerError, "api_error", "upstream broke");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"claude-sonnet-4-5","stream":true,"messages":[{"role":"user","content":"hi"}]}""",
                System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key.Key);

        using var response = await Fixture.Http.SendAsync(request);

        Assert.Equal(529, (int)response.StatusCode);
        var row = Assert.Single(await RowsAsync($"key={key.Id}", expected: 1));
        Assert.Equal(("error", 529, "chat", true, 0m, 0L), (row.GetProperty("outcome").GetString(), row.GetProperty("status").GetInt32(),
            row.GetProperty("protocol").GetString(), row.GetProperty("stream").GetBoolean(), row.GetProperty("costUsd").GetDecimal(),
            row.GetProperty("outputTokens").GetInt64()));
        Assert.Equal(response.Headers.GetValues("request-id").Single(), Id(row));
        var events = (await Fixture.AdminGetAsync($"/admin/api/events?stream={key.Id}")).EnumerateArray().Select(e => e.GetProperty("type").GetString());
        Assert.Equal(["KeyIssued", "BudgetHoldReleased"], events);
        Assert.Equal(0m, (await Fixture.AdminGetAsync($"/admin/api/keys/{key.Id}")).GetProperty("spentUsd").GetDecimal());
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=many", "limit")]
    [InlineData("limit=501", "limit")]
    [InlineData("outcome=fine", "outcome")]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2025-13-40", "to")]
    [InlineData("before=req_nowhere", "before")]
    public async Task Requests_BadParameter_400NamingIt(string query, string parameter)
    {
        using var response = await Fixture.AdminSendAsync(HttpMethod.Get, "/admin/api/requests?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("invalid_request_error", (string?)error["error"]!["type"]);
        Assert.StartsWith(parameter + ":", (string?)error["error"]!["message"], StringComparison.Ordinal);
    }

    private static string Id(JsonElement row) => row.GetProperty("requestId").GetString()!;

    private async Task<List<JsonElement>> ListAsync(string query) =>
        (await Fixture.AdminGetAsync("/admin/api/requests?" + query)).EnumerateArray().ToList();

    /// <summary>The log is an async view: it follows the events within about a second.</summary>
    private Task<List<JsonElement>> RowsAsync(string query, int expected) =>
        EventuallyAsync(() => ListAsync(query), rows => rows.Count >= expected);

    /// <summary>What the ledger charged each request of the key: its <c>UsageRecorded</c> events.</summary>
    private async Task<Dictionary<string, decimal>> ChargesAsync(string keyId) =>
        (await Fixture.AdminGetAsync($"/admin/api/events?stream={keyId}&limit=1000")).EnumerateArray()
        .Where(e => e.GetProperty("type").GetString() == "UsageRecorded")
        .ToDictionary(e => e.GetProperty("data").GetProperty("requestId").GetString()!, e => e.GetProperty("data").GetProperty("costUsd").GetDecimal());
}
