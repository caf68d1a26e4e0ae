using System.Text.Json.Nodes;
using OrProject.Protocols.OpenAI;

namespace OrProject.Protocols.Canonical;

/// <summary>Canonical content blocks built from OpenAI's image and file parts (Chat and Responses share them).</summary>
internal static class CanonicalBlocks
{
    public static JsonObject Image(string? url, string param)
    {
        if (url is null)
        {
            throw new RequestValidationException("An image part needs a url.", param);
        }

        if (DataUrl.TryParse(url, out var mediaType, out var data))
        {
            return new JsonObject
            {
                ["type"] = "image",
                ["source"] = new JsonObject { ["type"] = "base64", ["media_type"] = mediaType, ["data"] = data },
            };
        }

        if (DataUrl.IsHttp(url))
        {
            return new JsonObject { ["type"] = "image", ["source"] = new JsonObject { ["type"] = "url", ["url"] = url } };
        }

        throw new RequestValidationException("Image urls must be http(s) or base64 data urls.", param);
    }

    /// <summary>A PDF given as a base64 data url (or bare base64, which OpenAI also accepts) becomes a document.</summary>
    public static JsonObject Document(string? fileData, string? fileId, string param)
    {
        if (fileData is null)
        {
            throw new RequestValidationException(
                fileId is null ? "A file part needs file_data." : "Uploaded files (file_id) are not supported; send file_data.", param);
        }

        var (mediaType, data) = DataUrl.TryParse(fileData, out var type, out var payload)
            ? (type, payload)
            : ("application/pdf", fileData);
        if (mediaType != "application/pdf")
        {
            throw new RequestValidationException($"Only PDF files are supported, not {mediaType}.", param);
        }

        return new JsonObject
        {
            ["type"] = "document",
            ["source"] = new JsonObject { ["type"] = "base64", ["media_type"] = mediaType, ["data"] = data },
        };
    }

    /// <summary>
    /// A tool call's <c>arguments</c> string as a tool_use <c>input</c>. Anything that is not a JSON object — empty,
    /// truncated by a length stop, or a bare value — becomes <c>{}</c>: rejecting would make the client's whole history
    /// unusable over a turn it cannot repair.
    /// </summary>
    public static JsonObject ToolInput(string? arguments) => JsonNodes.ParseObject(arguments) ?? [];

    public static JsonObject ToolUse(string id, string name, string? arguments) => new()
    {
        ["type"] = "tool_use",
        ["id"] = id,
        ["name"] = name,
        ["input"] = ToolInput(arguments),
    };
}
