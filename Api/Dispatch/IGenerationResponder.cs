using OrProject.Contracts.Messaging;

namespace OrProject.Api.Dispatch;

/// <summary>
/// Writes a generation to the client in one protocol's wire format. The pump decides what happens when; the
/// responder only knows bytes: Anthropic SSE verbatim, OpenAI chunks, Responses events, or one JSON body.
/// </summary>
internal interface IGenerationResponder
{
    /// <summary>An error before anything was written; the upstream's own body is relayed when the error carries one.</summary>
    Task WriteErrorAsync(HttpContext context, ApiError error);

    /// <summary>Canonical events; the responder starts the response on the first call.</summary>
    Task WriteEventsAsync(HttpContext context, IReadOnlyList<SseEvent> events);

    /// <summary>The generation ended normally (its usage came in the events, with <c>message_delta</c>).</summary>
    Task CompleteAsync(HttpContext context);

    /// <summary>The generation failed after events were written: end the stream with the protocol's error form.</summary>
    Task FailAfterStartAsync(HttpContext context, ApiError error);
}
