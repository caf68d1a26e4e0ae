using System.Text.Json.Nodes;
using OrProject.Projections.Settings;

namespace OrProject.Api.Dispatch;

/// <summary>
/// Final touches on a canonical request before dispatch: the model resolved through the admin's aliases and default,
/// the admin system prompt put first (the client's system after it, blocks and <c>cache_control</c> preserved), and
/// <c>stream: true</c>, since workers always stream from the upstream.
/// </summary>
internal static class Canonicalizer
{
    public static string ResolveModel(string? requested, GatewaySettings settings)
    {
        var model = string.IsNullOrWhiteSpace(requested) ? settings.DefaultModel ?? "" : requested.Trim();
        return settings.ModelAliases.TryGetValue(model, out var target) ? target : model;
    }

    public static void Apply(JsonObject body, string model, GatewaySettings settings)
    {
        body["model"] = model;
        body["stream"] = true;
        if (!string.IsNullOrWhiteSpace(settings.SystemPrompt))
        {
            PrependSystem(body, settings.SystemPrompt);
        }
    }

    private static void PrependSystem(JsonObject body, string adminPrompt)
    {
        var blocks = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = adminPrompt });
        switch (body["system"])
        {
            case JsonValue value when value.TryGetValue<string>(out var text) && text.Length > 0:
                blocks.Add(new JsonObject { ["type"] = "text", ["text"] = text });
                break;
            case JsonArray clientBlocks:
                foreach (var block in clientBlocks.ToArray())
                {
                    clientBlocks.Remove(block);
                    blocks.Add(block);
                }

                break;
            default:
                break;
        }

        body["system"] = blocks;
    }
}
