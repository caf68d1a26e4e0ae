using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MassTransit.Serialization;
using OrProject.Contracts.Messaging;

namespace OrProject.Worker.Tests;

/// <summary>
/// The dispatch as MassTransit's JSON serializer (the bus's) writes and reads it: the canonical body travels as bytes,
/// unchanged to the byte, and a dispatch from an edge of the previous version, whose body was text, still reads.
/// </summary>
public sealed class DispatchMessageTests
{
    private const string Canonical = """{"model":"claude-sonnet-4-5","max_tokens":64,"system":"say \"hi\"\nthen stop \\ é ✓","messages":[{"role":"user","content":"Hi"}]}""";

    [Fact]
    public void Body_RoundTripsByteForByte_AsBase64_WithNothingElseWritten()
    {
        var body = Encoding.UTF8.GetBytes(Canonical);
        var json = JsonSerializer.Serialize(Dispatch(body, request: null), SystemTextJsonMessageSerializer.Options);

        var written = JsonNode.Parse(json)!.AsObject();
        Assert.Equal(Convert.ToBase64String(body), (string?)written["body"]);
        Assert.DoesNotContain(written, p => p.Key.Equals("canonicalBody", StringComparison.OrdinalIgnoreCase));
        Assert.Null(written["request"]);

        var read = JsonSerializer.Deserialize<DispatchGeneration>(json, SystemTextJsonMessageSerializer.Options)!;
        Assert.Equal(body, read.CanonicalBody());
    }

    [Fact]
    public void AnOlderEdgesDispatch_WithTheBodyAsText_ReadsAsTheSameBytes()
    {
        var older = JsonNode.Parse(JsonSerializer.Serialize(Dispatch(null, null), SystemTextJsonMessageSerializer.Options))!.AsObject();
        older.Remove("body");
        older["request"] = Canonical;

        var read = JsonSerializer.Deserialize<DispatchGeneration>(older.ToJsonString(), SystemTextJsonMessageSerializer.Options)!;

        Assert.Null(read.Body);
        Assert.Equal(Encoding.UTF8.GetBytes(Canonical), read.CanonicalBody());
    }

    private static DispatchGeneration Dispatch(byte[]? body, string? request) => new(
        RequestId: "req_1", KeyId: "key_1", ReplyAddress: new Uri("http://127.0.0.1:8090"), Stream: true, Body: body,
        ModelRequested: "claude-sonnet-4-5", Model: "claude-sonnet-4-5", Headers: new Dictionary<string, string>(), Affinity: null,
        RequestedAt: DateTimeOffset.UnixEpoch, Deadline: DateTimeOffset.UnixEpoch.AddMinutes(1), Capability: "cap", Protocol: "anthropic",
        Request: request);
}
