using System.Text;
using OrProject.Api.Dispatch;
using OrProject.Api.Streaming;
using OrProject.Contracts.Messaging;
using OrProject.Protocols.Anthropic;
using OrProject.Protocols.Streaming;
namespace OrProject.Api.Messages;

/// <summary>
/// Anthropic's wire format: canonical events go out verbatim as SSE, or are folded into one message for a
/// non-streaming request. Errors keep Anthropic's envelope; an upstream's own error body is relayed unmodified.
/// </summary>
internal sealed class AnthropicResponder(bool stream) : IGenerationResponder
{
    private readonly MessageAccumulator? _message = stream ? null : new MessageAccumulator();
    private bool _started;

    public Task WriteErrorAsync(HttpContext context, ApiError error) => AnthropicError.WriteAsync(context, error);

    public async Task WriteEventsAsync(HttpContext context, IReadOnlyList<SseEvent> events)
    {
        if (_message is not null)
        {
            foreach (var item in events)
            {
                _message.Add(item);
            }

            return;
        }

        if (!_started)
        {
            _started = true;
            SseResponse.Start(context);
        }

        await SseResponse.WriteAsync(context, events);
    }

    public Task CompleteAsync(HttpContext context)
    {
        if (_message is null)
        {
            return Task.CompletedTask;
        }

        return _message.Started
            ? WriteJsonAsync(context, StatusCodes.Status200OK, _message.ToMessage().ToJsonString(Json.Relaxed))
            : AnthropicError.WriteAsync(context, new ApiError(502, AnthropicErrors.Api, "The upstream answered without a message."));
    }

    public Task FailAfterStartAsync(HttpContext context, ApiError error)
    {
        if (_message is not null)
        {
            // Nothing was written yet for a non-streaming request: answer with a plain error.
            return WriteErrorAsync(context, error);
        }

        // The real API sends no message_stop after an error event; the SDK raises on it.
        return SseResponse.WriteAsync(context, [new SseEvent("error", AnthropicError.Body(context, error))]);
    }

    private static async Task WriteJsonAsync(HttpContext context, int status, string json)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(json, Encoding.UTF8, context.RequestAborted);
    }
}
