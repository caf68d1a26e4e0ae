using System.Text.Json.Nodes;

namespace OrProject.Protocols.Canonical;

/// <summary>
/// Builds canonical <c>messages</c>: consecutive same-role turns merge, <c>tool_result</c> blocks go first in their user
/// turn (Anthropic requires it), and a turn exists only once it has a block, so no empty turn or text block is emitted.
/// </summary>
internal sealed class CanonicalTurns
{
    private readonly JsonArray _messages = [];
    private string? _role;
    private JsonArray? _content;

    public bool IsEmpty => _messages.Count == 0;

    public void Add(string role, JsonObject block) => Turn(role).Add(block);

    public void AddText(string role, string? text)
    {
        if (!string.IsNullOrEmpty(text))
        {
            Add(role, new JsonObject { ["type"] = "text", ["text"] = text });
        }
    }

    public void AddToolResult(JsonObject block)
    {
        var content = Turn("user");
        var position = 0;
        while (position < content.Count && (string?)content[position]?["type"] == "tool_result")
        {
            position++;
        }

        content.Insert(position, block);
    }

    public JsonArray Build() => _messages;

    private JsonArray Turn(string role)
    {
        if (_role != role || _content is null)
        {
            _role = role;
            _content = [];
            _messages.Add(new JsonObject { ["role"] = role, ["content"] = _content });
        }

        return _content;
    }
}
