using Microsoft.AspNetCore.Mvc.Filters;

namespace OrProject.Admin.Sessions;

/// <summary>
/// Headers on every page: scripts and styles only from this origin (so an injected tag cannot run), no framing,
/// no referrer, and nothing cached, because the pages show a new key once and spend figures.
/// </summary>
internal sealed class PageSecurityHeaders : IResultFilter
{
    private const string Policy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public void OnResultExecuting(ResultExecutingContext context)
    {
        var headers = context.HttpContext.Response.Headers;
        headers.ContentSecurityPolicy = Policy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";
    }

    public void OnResultExecuted(ResultExecutedContext context)
    {
    }
}
