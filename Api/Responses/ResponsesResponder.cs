using OrProject.Api.Messages;
using OrProject.Api.ChatCompletions;
using OrProject.Api.Dispatch;
using OrProject.Api.Streaming;
using OrProject.Contracts.Messaging;
using OrProject.Protocols.Anthropic;
using OrProject.Protocols.OpenAI.Responses;
using OrProject.Protocols.Streaming;
namespace OrProject.Api.Responses;

/// <summary>The Responses API on the wire: named events with <c>sequence_number</c> through a terminal event, or one response object.</summary>
internal sealed class ResponsesResponder(bool stream, ResponsesContext responseContext) : IGenerationResponder
{
    private readonly ResponsesStreamTranslator _translator = new(responseContext);
    private readonly MessageAccumulator? _message = stream ? null : new MessageAccumulator();
    private bool _started;

    public Task WriteErrorAsync(HttpContext context, ApiError error) => OpenAiError.WriteAsync(context, error);

    public Task WriteEventsAsync(HttpContext context, IReadOnlyList<SseEvent> events)
    {
        if (_message is not null)
        {
            foreach (var item in events)
            {
                _message.Add(item);
            }

            return Task.CompletedTask;
        }

        return WriteAsync(context, events.SelectMany(_translator.Translate).ToList());
    }

    public async Task CompleteAsync(HttpContext context)
    {
        if (_message is null)
        {
            await WriteAsync(context, _translator.Finish());
            return;
        }

        context.Response.ContentType = "application/json";
        var body = ResponsesResponseTranslator.FromCanonicalMessage(_message.ToMessage(), responseContext);
        await context.Response.WriteAsync(body.ToJsonString(Json.Relaxed), context.RequestAborted);
    }

    public Task FailAfterStartAsync(HttpContext context, ApiError error) =>
        _message is not null
            ? WriteErrorAsync(context, error)
            : WriteAsync(context, [.. _translator.Translate(new SseEvent("error", AnthropicError.Body(context, error))), .. _translator.Finish()]);

    private async Task WriteAsync(HttpContext context, IReadOnlyList<SseEvent> events)
    {
        if (events.Count == 0)
        {
            return;
        }

        if (!_started)
        {
            _started = true;
            SseResponse.Start(context);
        }

        await SseResponse.WriteAsync(context, events);
    }
}
