using OrProject.Api.Messages;
using System.Text;
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

        var output = new StringBuilder();
        foreach (var item in events)
        {
            foreach (var chunk in _translator.Translate(item))
            {
                SseFormat.Append(output, null, chunk);
            }
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

        var output = new StringBuilder();
        foreach (var chunk in _translator.Finish())
        {
            SseFormat.Append(output, null, chunk);
        }

        if (!_translator.Failed)
        {
            SseFormat.Append(output, null, "[DONE]");
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

        var output = new StringBuilder();
        foreach (var chunk in _translator.Translate(new SseEvent("error", AnthropicError.Body(context, error))))
        {
            SseFormat.Append(output, null, chunk);
        }

        await WriteAsync(context, output);
    }

    private async Task WriteAsync(HttpContext context, StringBuilder output)
    {
        if (output.Length == 0)
        {
            return;
        }

        if (!_started)
        {
            _started = true;
            SseResponse.Start(context);
        }

        await SseResponse.WriteAsync(context, Encoding.UTF8.GetBytes(output.ToString()));
    }
}
