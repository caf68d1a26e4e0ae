using Anthropic.Models.Messages;
using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

/// <summary>
/// Thinking blocks must replay byte-identical or the API answers 400 "Invalid signature": the gateway relays each
/// event's data untouched, never re-serialized (no escaping of <c>+</c>, <c>&lt;</c>, non-ASCII; no unescaping).
/// </summary>
[Collection(nameof(GatewayCollection))]
public sealed class MessagesThinkingTests(GatewayFixture fixture) : GatewayTest(fixture)
{
    private const string Signature = "EqQBCkYIBhgCKkB+/z9Qk1x/ab+cd==/+Zm9vYmFy+/==";

    // Written as the upstream's exact bytes: literal non-ASCII, a JSON escape (\u00e9) that must stay an escape, and
    // characters a default JSON encoder would escape (+ < > & ').
    private static readonly (string Event, string Data)[] Script =
    [
        ("message_start", """{"type":"message_start","message":{"id":"msg_think","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":30,"output_tokens":1}}}"""),
        ("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}"""),
        ("ping", """{"type":"ping"}"""),
        ("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Überlegen wir: 考えて 🤔 — 1+1 <2> & 'x' caf\u00e9"}}"""),
        ("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":" … done."}}"""),
        ("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCkYIBhgCKkB+/z9Qk1x/ab+cd==/+Zm9vYmFy+/=="}}"""),
        ("content_block_stop", """{"type":"content_block_stop","index":0}"""),
        ("content_block_start", """{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}"""),
        ("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Zwei. ✓"}}"""),
        ("content_block_stop", """{"type":"content_block_stop","index":1}"""),
        ("message_delta", """{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":57}}"""),
        ("message_stop", """{"type":"message_stop"}"""),
    ];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Upstream.Respond = (ctx, _) => FakeAnthropic.WriteEventsAsync(ctx, Script.Select(s => (s.Event, (object)s.Data)));
    }

    [Fact]
    public async Task Stream_ThinkingAndSignatureDeltas_RelaysEveryDataLineByteForByte()
    {
        var key = await Fixture.IssueKeyAsync();

        using var response = await SendAsync(Post("/v1/messages", Body(stream: true), key.Key));
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var received = Sse.Parse(body);
        Assert.Equal(Script.Select(s => s.Event), received.Select(f => f.Event));
        for (var i = 0; i < Script.Length; i++)
        {
            Assert.Equal(SseFrame.Of(Script[i].Event, Script[i].Data).Data, received[i].Data);
        }
    }

    [Fact]
    public async Task CreateStreaming_ThinkingWithSignature_SdkSeesSignatureAndText()
    {
        var client = await ClientAsync();
        var thinking = "";
        string? signature = null;

        await foreach (var item in client.Messages.CreateStreaming(Request()))
        {
            if (item.TryPickContentBlockDelta(out var delta))
            {
                if (delta!.Delta.TryPickThinking(out var t))
                {
                    thinking += t!.Thinking;
                }
                else if (delta.Delta.TryPickSignature(out var s))
                {
                    signature = s!.Signature;
                }
            }
        }

        Assert.Equal("Überlegen wir: 考えて 🤔 — 1+1 <2> & 'x' café … done.", thinking);
        Assert.Equal(Signature, signature);
    }

    [Fact]
    public async Task Create_ThinkingWithSignature_ReturnsThinkingBlockWithSignatureThenText()
    {
        var client = await ClientAsync();

        var message = await client.Messages.Create(Request());

        Assert.Equal(2, message.Content.Count);
        Assert.True(message.Content[0].TryPickThinking(out var thinking));
        Assert.Equal("Überlegen wir: 考えて 🤔 — 1+1 <2> & 'x' café … done.", thinking!.Thinking);
        Assert.Equal(Signature, thinking.Signature);
        Assert.True(message.Content[1].TryPickText(out var text));
        Assert.Equal("Zwei. ✓", text!.Text);
        Assert.Equal("end_turn", message.StopReason!.Raw());
        Assert.Equal(57, message.Usage.OutputTokens);
    }

    [Fact]
    public async Task Create_ThinkingWithSignature_JsonBodyKeepsSignatureCharactersUnescaped()
    {
        var key = await Fixture.IssueKeyAsync();

        using var response = await SendAsync(Post("/v1/messages", Body(), key.Key));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Contains("\"signature\":\"" + Signature + "\"", text, StringComparison.Ordinal);
    }

    private static MessageCreateParams Request() => new()
    {
        MaxTokens = 2048,
        Model = Model,
        Messages = [new UserMessageParam("1+1?")],
    };
}
