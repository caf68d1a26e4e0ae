using Microsoft.AspNetCore.Http;
using OrProject.Protocols.Anthropic;
namespace OrProject.Admin.Security;

/// <summary>The admin API's error body: Anthropic's envelope, like the rest of the gateway's non-OpenAI routes.</summary>
public sealed record AdminError(string Type, AdminErrorDetail Error)
{
    public static AdminError Invalid(string message) => Of(StatusCodes.Status400BadRequest, message);

    public static AdminError NotFound(string message) => Of(StatusCodes.Status404NotFound, message);

    /// <summary>The error for <paramref name="status"/>, typed as Anthropic types it (401 authentication_error, …).</summary>
    public static AdminError Of(int status, string message) => new("error", new AdminErrorDetail(AnthropicErrors.TypeFor(status), message));

    /// <summary>Writes the error as the whole response, for the middleware and handlers that answer before an endpoint.</summary>
    public static Task WriteAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(Of(status, message), context.RequestAborted);
    }
}

public sealed record AdminErrorDetail(string Type, string Message);
