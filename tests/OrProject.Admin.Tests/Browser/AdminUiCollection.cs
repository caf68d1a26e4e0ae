using OrProject.Testing;

namespace OrProject.Admin.Tests.Browser;

/// <summary>One gateway and one browser for every browser test; each test opens its own browser context (own cookies).</summary>
[CollectionDefinition(nameof(AdminUiCollection))]
public sealed class AdminUiCollection : ICollectionFixture<GatewayFixture>, ICollectionFixture<BrowserFixture>;
