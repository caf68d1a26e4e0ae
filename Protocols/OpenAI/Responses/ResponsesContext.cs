using System.Text.Json.Nodes;

namespace OrProject.Protocols.OpenAI.Responses;

/// <summary>What a Responses answer repeats besides the generation itself.</summary>
/// <param name="ResponseId">The <c>resp_…</c> id; item ids (<c>msg_…</c>, <c>fc_…</c>) derive from it.</param>
/// <param name="Model">The model name to report.</param>
/// <param name="CreatedAt">Unix seconds.</param>
public sealed record ResponsesContext(string ResponseId, string Model, long CreatedAt)
{
    /// <summary>The client's request, whose settings (instructions, tools, tool_choice…) the response object echoes.</summary>
    public JsonObject? Request { get; init; }
}
