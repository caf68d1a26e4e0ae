using System.Diagnostics;
using OrProject.ServiceDefaults;
using Serilog.Context;

using OrProject.Api.Dispatch;

namespace OrProject.Api.Routing;

/// <summary>
/// Every response carries a <c>request-id</c> (and OpenAI's <c>x-request-id</c>); every log line of the request
/// carries it too. Also folds the doubled prefix <c>/v1/v1/…</c> that clients produce when their base URL already
/// ends in <c>/v1</c>.
/// </summary>
internal static class EdgeRequestMiddleware
{
    public static IApplicationBuilder UseEdgeRequests(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var id = "req_" + Guid.CreateVersion7().ToString("N");
        context.Items[EdgeRequest.IdKey] = id;
        StampId(context);
        if (context.Request.Path.StartsWithSegments("/v1/v1", out var rest))
        {
            context.Request.Path = "/v1" + rest;
        }

        Activity.Current?.SetTag("orp.request_id", id);
        using (LogContext.PushProperty("RequestId", id))
        {
            await next(context);
        }

        if (context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } route } && route.StartsWith("/v1", StringComparison.Ordinal))
        {
            context.RequestServices.GetRequiredService<GatewayMetrics>().Request(route, context.Response.StatusCode);
        }
    });

    /// <summary>Puts the request's id on the response; again after anything that cleared the headers.</summary>
    public static void StampId(HttpContext context)
    {
        if (context.Items[EdgeRequest.IdKey] is string id)
        {
            context.Response.Headers["request-id"] = id;
            context.Response.Headers["x-request-id"] = id;
        }
    }
}
