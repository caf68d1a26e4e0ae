namespace OrProject.Admin.Security;

/// <summary>The admin API's error body: Anthropic's envelope, like the rest of the gateway's non-OpenAI routes.</summary>
public sealed record AdminError(string Type, AdminErrorDetail Error)
{
    public static AdminError Invalid(string message) => new("error", new AdminErrorDetail("invalid_request_error", message));

    public static AdminError NotFound(string message) => new("error", new AdminErrorDetail("not_found_error", message));
}

public sealed record AdminErrorDetail(string Type, string Message);
