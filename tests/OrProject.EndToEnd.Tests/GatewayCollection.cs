using OrProject.Testing;

namespace OrProject.EndToEnd.Tests;

[CollectionDefinition(nameof(GatewayCollection))]
public sealed class GatewayCollection : ICollectionFixture<GatewayFixture>;
