using System.Text.Json.Nodes;
using OrProject.Api.Dispatch;
using OrProject.Projections.Settings;

namespace OrProject.Api.Tests.Dispatch;

public sealed class CanonicalizerTests
{
    private static GatewaySettings Settings(string? systemPrompt = null, string? defaultModel = null, params (string Alias, string Target)[] aliases)
    {
        var settings = new GatewaySettings { SystemPrompt = systemPrompt, DefaultModel = defaultModel };
        foreach (var (alias, target) in aliases)
        {
            settings.ModelAliases[alias] = target;
        }

        return settings;
    }

    [Fact]
    public void ResolveModel_AliasInAnyCase_ResolvedToItsTarget()
    {
        var settings = Settings(aliases: ("fast", "claude-haiku-4-5"));

        Assert.Equal("claude-haiku-4-5", Canonicalizer.ResolveModel("FAST", settings));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void ResolveModel_NoModelRequested_DefaultModelThroughTheAliases(string? requested)
    {
        // The default may itself be an alias: it resolves like a model the client named.
        var settings = Settings(defaultModel: "smart", aliases: ("smart", "claude-opus-4-7"));

        Assert.Equal("claude-opus-4-7", Canonicalizer.ResolveModel(requested, settings));
    }

    [Fact]
    public void ResolveModel_NoModelAndNoDefault_Empty()
    {
        Assert.Equal("", Canonicalizer.ResolveModel(null, Settings()));
    }

    [Fact]
    public void ResolveModel_UnknownModel_PassedThroughTrimmed()
    {
        Assert.Equal("claude-sonnet-4-5", Canonicalizer.ResolveModel("  claude-sonnet-4-5 ", Settings(aliases: ("fast", "x"))));
    }

    [Fact]
    public void Apply_Always_SetsTheResolvedModelAndStreams()
    {
        var body = new JsonObject { ["model"] = "fast", ["stream"] = false };

        Canonicalizer.Apply(body, "claude-haiku-4-5", Settings());

        Assert.Equal("claude-haiku-4-5", (string?)body["model"]);
        Assert.True((bool)body["stream"]!);
        Assert.False(body.ContainsKey("system")); // no admin prompt: the client's system (none) is left alone
    }

    [Fact]
    public void Apply_ClientSystemString_AdminPromptFirstThenTheClients()
    {
        var body = new JsonObject { ["system"] = "You are terse." };

        Canonicalizer.Apply(body, "m", Settings(systemPrompt: "Follow the house rules."));

        Assert.Equal(
            """[{"type":"text","text":"Follow the house rules."},{"type":"text","text":"You are terse."}]""",
            body["system"]!.ToJsonString());
    }

    [Fact]
    public void Apply_ClientSystemBlocks_KeptInOrderWithTheirCacheControl()
    {
        var body = JsonNode.Parse("""
            {"system":[{"type":"text","text":"a","cache_control":{"type":"ephemeral"}},{"type":"text","text":"b"}]}
            """)!.AsObject();

        Canonicalizer.Apply(body, "m", Settings(systemPrompt: "admin"));

        Assert.Equal(
            """[{"type":"text","text":"admin"},{"type":"text","text":"a","cache_control":{"type":"ephemeral"}},{"type":"text","text":"b"}]""",
            body["system"]!.ToJsonString());
    }

    [Fact]
    public void Apply_ClientSystemEmptyString_OnlyTheAdminPrompt()
    {
        var body = new JsonObject { ["system"] = "" };

        Canonicalizer.Apply(body, "m", Settings(systemPrompt: "admin"));

        Assert.Equal("""[{"type":"text","text":"admin"}]""", body["system"]!.ToJsonString());
    }

    [Fact]
    public void Apply_WhitespaceAdminPrompt_ClientSystemUntouched()
    {
        var body = new JsonObject { ["system"] = "client" };

        Canonicalizer.Apply(body, "m", Settings(systemPrompt: "  "));

        Assert.Equal("client", (string?)body["system"]);
    }
}
