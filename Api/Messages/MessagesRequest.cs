using System.Text.Json.Nodes;

namespace OrProject.Api.Messages;

/// <summary>
/// Validates an Anthropic Messages request just enough to refuse what the API would refuse before any work is
/// queued (required fields and their types), with the API's own wording. Everything else passes through untouched.
/// </summary>
internal static class MessagesRequest
{
    public static string? Validate(JsonObject body, bool countTokens = false)
    {
        if (!body.TryGetPropertyValue("model", out var model) || model is null)
        {
            return "model: Field required";
        }

        if (model.GetValueKind() != System.Text.Json.JsonValueKind.String || string.IsNullOrWhiteSpace((string?)model))
        {
            return "model: Input should be a valid string";
        }

        if (!body.TryGetPropertyValue("messages", out var messages) || messages is null)
        {
            return "messages: Field required";
        }

        if (messages is not JsonArray list)
        {
            return "messages: Input should be a valid list";
        }

        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is not JsonObject message)
            {
                return $"messages.{i}: Input should be a valid dictionary";
            }

            if ((message["role"] as JsonValue)?.TryGetValue<string>(out var role) != true || role is not ("user" or "assistant" or "system"))
            {
                return $"messages.{i}.role: Input should be 'user' or 'assistant'";
            }

            if (message["content"] is not (JsonArray or JsonValue))
            {
                return $"messages.{i}.content: Field required";
            }
        }

        if (countTokens)
        {
            return null;
        }

        if (!body.TryGetPropertyValue("max_tokens", out var maxTokens) || maxTokens is null)
        {
            return "max_tokens: Field required";
        }

        if (maxTokens is not JsonValue value || !value.TryGetValue<long>(out var max))
        {
            return "max_tokens: Input should be a valid integer";
        }

        if (max < 0)
        {
            return "max_tokens: Input should be greater than or equal to 0";
        }

        return body.TryGetPropertyValue("stream", out var stream) && stream is not null &&
               stream.GetValueKind() is not (System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False)
            ? "stream: Input should be a valid boolean"
            : null;
    }

    public static bool WantsStream(JsonObject body) => (body["stream"] as JsonValue)?.TryGetValue<bool>(out var s) == true && s;
}
