using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using OrProject.Contracts.Messaging;
using OrProject.Worker.Upstreams;

namespace OrProject.Worker.Tests;

public sealed class SimulatorUpstreamTests
{
    [Theory]
    [InlineData("99999999999999", "end_turn")] // more than an int holds: clamped, not an overflow
    [InlineData("3", "max_tokens")]
    [InlineData("0", "end_turn")]
    public async Task MaxTokens_AnyInteger_StreamEndsWithMessageStop(string maxTokens, string stopReason)
    {
        var simulator = new SimulatorUpstream(Options.Create(new SimulatorOptions { DelayMilliseconds = 0 }));
        var body = $$"""{"model":"claude-sonnet-4-5","max_tokens":{{maxTokens}},"messages":[{"role":"user","content":"Hi"}]}""";
        var request = new DispatchGeneration(RequestId: "req_sim", KeyId: "key", ReplyAddress: new Uri("queue:replies"), Stream: false,
            Body: System.Text.Encoding.UTF8.GetBytes(body), ModelRequested: "claude-sonnet-4-5", Model: "claude-sonnet-4-5", Headers: new Dictionary<string, string>(),
            Affinity: null, RequestedAt: DateTimeOffset.UtcNow, Deadline: DateTimeOffset.UtcNow.AddMinutes(1), Capability: "");

        await using var response = await simulator.SendAsync(new UpstreamTarget("acct", "", ""), request, CancellationToken.None);
        var events = new List<SseEvent>();
        await foreach (var item in response.Events)
        {
            events.Add(item);
        }

        Assert.Equal("message_stop", events[^1].Event);
        var delta = JsonNode.Parse(events.Single(e => e.Event == "message_delta").Data)!;
        Assert.Equal(stopReason, (string?)delta["delta"]!["stop_reason"]);
    }
}
