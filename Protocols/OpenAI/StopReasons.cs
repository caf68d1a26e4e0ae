namespace OrProject.Protocols.OpenAI;

/// <summary>Stop and finish reasons both ways.</summary>
internal static class StopReasons
{
    public static string ToFinishReason(string? stopReason) => stopReason switch
    {
        "max_tokens" or "model_context_window_exceeded" => "length",
        "tool_use" => "tool_calls",
        "refusal" => "content_filter",
        _ => "stop", // end_turn, stop_sequence, pause_turn (server tools only) and anything newer
    };

    public static string ToStopReason(string? finishReason) => finishReason switch
    {
        "length" => "max_tokens",
        "tool_calls" or "function_call" => "tool_use",
        "content_filter" => "refusal",
        _ => "end_turn",
    };

    /// <summary>
    /// An OpenAI-compatible upstream's finish reason for an answer that did or did not call tools: some servers
    /// (Gemini's compat layer, older vLLM) say "stop" after tool calls, and the client must still run them.
    /// </summary>
    public static string ToStopReason(string? finishReason, bool calledTools) =>
        ToStopReason(finishReason) is var stop && stop == "end_turn" && calledTools ? "tool_use" : stop;
}
