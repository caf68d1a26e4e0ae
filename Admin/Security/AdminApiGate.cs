using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrProject.ServiceDefaults;

namespace OrProject.Admin.Security;

/// <summary>
/// The door of <c>/admin/api</c>, in front of the endpoints: the admin token first (so a stranger cannot make the
/// server read or parse a body, issue #12), then a 1 MB cap on the body, then JSON only. Everything here answers in
/// the admin API's error shape; what parameter binding rejects later is <see cref="AdminApiExceptionHandler"/>'s.
/// The pages' forms (<c>/admin</c>, <c>/usage</c>) get the same cap, answered in plain text.
/// </summary>
internal static class AdminApiGate
{
    public const string PathPrefix = "/admin/api";

    /// <summary>The actor that admin events from the API name.</summary>
    public const string Actor = "admin";

    /// <summary>Admin bodies are a key, a setting or a price table: a megabyte is generous.</summary>
    public const long MaxBodyBytes = 1024 * 1024;

    public static IApplicationBuilder UseAdminGates(this IApplicationBuilder app) => app
        .UseWhen(c => c.Request.Path.StartsWithSegments(PathPrefix), branch => branch.Use(GuardApiAsync))
        .UseWhen(c => !c.Request.Path.StartsWithSegments(PathPrefix) &&
            (c.Request.Path.StartsWithSegments("/admin") || c.Request.Path.StartsWithSegments("/usage")), branch => branch.Use(GuardPageAsync));

    private static Task GuardApiAsync(HttpContext context, RequestDelegate next)
    {
        var expected = context.RequestServices.GetRequiredService<IOptions<AdminOptions>>().Value.Token;
        if (!AdminToken.Matches(AdminToken.Presented(context.Request), expected))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return AdminError.WriteAsync(context, StatusCodes.Status401Unauthorized, "A valid admin token is required.");
        }

        if (!CapBody(context))
        {
            return AdminError.WriteAsync(context, StatusCodes.Status413PayloadTooLarge,
                $"The admin API accepts bodies of at most {MaxBodyBytes} bytes.");
        }

        // Routing would send a non-JSON POST to the catch-all 404, as if the route did not exist (issue #15).
        if (HasBody(context.Request) && !context.Request.HasJsonContentType())
        {
            return AdminError.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType,
                $"The admin API takes JSON: send content-type: application/json (got {Describe(context.Request.ContentType)}).");
        }

        return next(context);
    }

    /// <summary>
    /// The pages' forms: antiforgery validation reads the form first and turns Kestrel's 413 into its own 400, so a
    /// declared length over the cap is refused here, before it.
    /// </summary>
    private static async Task GuardPageAsync(HttpContext context, RequestDelegate next)
    {
        if (CapBody(context))
        {
            await next(context);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync($"Forms here take at most {MaxBodyBytes} bytes.", context.RequestAborted);
    }

    /// <summary>
    /// Kestrel enforces the cap while the body is read (a chunked body fails part way: the exception handlers answer
    /// 413); false when the declared length is over it, refused before a byte is read.
    /// </summary>
    private static bool CapBody(HttpContext context)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        return !(context.Request.ContentLength > MaxBodyBytes);
    }

    private static bool HasBody(HttpRequest request) =>
        request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);

    private static string Describe(string? contentType) => string.IsNullOrEmpty(contentType) ? "no content-type" : contentType;
}
