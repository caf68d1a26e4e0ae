using System.Text.Json.Nodes;

namespace OrProject.Protocols.OpenAI;

/// <summary>Collects system text from wherever the client put it, in order, as canonical text blocks.</summary>
internal sealed class SystemPrompt
{
    /// <summary>
    /// What <c>json_object</c> output becomes: Anthropic has no JSON mode, only schemas, so the model is asked in words.
    /// </summary>
    public const string JsonObjectInstruction =
        "Respond with a single valid JSON object only, with no text before or after it and no code fences.";

    private readonly JsonArray _blocks = [];

    public void Add(string? text)
    {
        if (!string.IsNullOrEmpty(text))
        {
            _blocks.Add(new JsonObject { ["type"] = "text", ["text"] = text });
        }
    }

    public void WriteTo(JsonObject canonical)
    {
        if (_blocks.Count > 0)
        {
            canonical["system"] = _blocks;
        }
    }
}
