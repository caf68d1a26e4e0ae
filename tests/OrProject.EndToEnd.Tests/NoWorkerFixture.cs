using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

/// <summary>The edge alone: no worker ever takes a request, and the queue timeout is one second.</summary>
public sealed class NoWorkerFixture : GatewayFixture
{
    protected override bool StartWorker => false;

    protected override IDictionary<string, string?> Overrides => new Dictionary<string, string?>
    {
        ["Edge:QueueTimeoutSeconds"] = "1",
    };
}

[CollectionDefinition(nameof(NoWorkerCollection))]
public sealed class NoWorkerCollection : ICollectionFixture<NoWorkerFixture>;
