using OrProject.Api.Messages;
using OrProject.Api.Dispatch;
using OrProject.Api.Streaming;
using OrProject.Contracts.Messaging;
using OrProject.Protocols.Anthropic;
using OrProject.Protocols.OpenAI.Chat;
using OrProject.Protocols.Streaming;
namespace OrProject.Api.ChatCompletions;

/// <summary>Chat Completions on the wire: <c>chat.completion.chunk</c>s then <c>data: [DONE]</c>, or one <c>chat.completion</c>.</summary>
internal sealed class ChatResponder(bool stream, bool includeUsage, string model, string id, long created) : IGenerationResponder
{
    private readonly ChatStreamTranslator _translator = new(id, model, created, includeUsage);
    private readonly MessageAccumulator? _message = stream ? null : new MessageAccumulator();
    private bool _started;

    public Task WriteErrorAsync(HttpContext context, ApiError error) => OpenAiError.WriteAsync(context, error);

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

        var output = new List<string>();
        foreach (var item in events)
        {
            output.AddRange(_translator.Translate(item));
        }

        await WriteAsync(context, output);
    }

    public async Task CompleteAsync(HttpContext context)
    {
        if (_message is not null)
        {
            context.Response.ContentType = "application/json";
            var body = ChatResponseTranslator.FromCanonicalMessage(_message.ToMessage(), model, created, id);
            await context.Response.WriteAsync(body.ToJsonString(Json.Relaxed), context.RequestAborted);
            return;
        }

        var output = new List<string>(_translator.Finish());
        if (!_translator.Failed)
        {
            output.Add("[DONE]");
        }

        await WriteAsync(context, output);
    }

    public async Task FailAfterStartAsync(HttpContext context, ApiError error)
    {
        if (_message is not null)
        {
            await WriteErrorAsync(context, error);
            return;
        }

        await WriteAsync(context, [.. _translator.Translate(new SseEvent("error", AnthropicError.Body(context, error)))]);
    }

    /// <summary>Data-only events, one per chunk (OpenAI's grammar has no <c>event:</c> line).</summary>
    private async Task WriteAsync(HttpContext context, List<string> output)
    {
        if (output.Count == 0)
        {
            return;
        }

        if (!_started)
        {
            _started = true;
            SseResponse.Start(context);
        }

        foreach (var chunk in output)
        {
            SseFormat.Write(context.Response.BodyWriter, null, chunk);
        }

        await SseResponse.FlushAsync(context);
    }
}
