using System.Diagnostics;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;

namespace OrProject.EndToEnd.Tests;

/// <summary>With no worker to take a request, the edge answers 529 <c>overloaded_error</c> once the queue timeout passes.</summary>
[Collection(nameof(NoWorkerCollection))]
public sealed class MessagesOverloadTests(NoWorkerFixture fixture) : GatewayTest(fixture)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Post_NoWorkerWithinQueueTimeout_Returns529Overloaded(bool stream)
    {
        var key = await Fixture.IssueKeyAsync();
        var clock = Stopwatch.StartNew();

        using var response = await SendAsync(Post("/v1/messages", Body(stream), key.Key));

        Assert.Equal(529, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        AssertErrorEnvelope(await ReadJsonAsync(response), "overloaded_error");
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(8));
        Assert.Empty(Upstream.Requests);
    }

    [Fact]
    public async Task Create_NoWorker_SdkRaisesOverloaded()
    {
        var client = await ClientAsync();

        var ex = await Assert.ThrowsAsync<AnthropicOverloadedException>(() => client.Messages.Create(new MessageCreateParams
        {
            MaxTokens = 100,
            Model = Model,
            Messages = [new UserMessageParam("Hello")],
        }));

        Assert.Equal("overloaded_error", ex.Type?.Raw());
    }
}
