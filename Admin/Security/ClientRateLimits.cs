using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace OrProject.Admin.Security;

/// <summary>
/// Per-address limits on guessing a secret: the admin sign-in form and the <c>/usage</c> key lookup. A refusal is a
/// plain-text 429 with <c>retry-after</c>. Partitioned by <c>HttpContext.Connection.RemoteIpAddress</c>: behind a
/// proxy that is the proxy's, unless the forwarded-headers middleware rewrites it.
/// </summary>
public static class ClientRateLimits
{
    /// <summary>Admin token guesses: POSTs of <c>/admin/signin</c>, per client address.</summary>
    public const string AdminSignIn = "orp-admin-sign-in";

    /// <summary>API key lookups (the <c>/usage</c> form; also meant for unknown keys on the edge), per client address.</summary>
    public const string KeyLookup = "orp-key-lookup";

    public static IServiceCollection AddClientRateLimits(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddRateLimiter(o =>
        {
            o.AddPolicy(AdminSignIn, context => PerAddress(context, options => options.SignInPerMinute));
            o.AddPolicy(KeyLookup, context => PerAddress(context, options => options.KeyLookupsPerMinute));
            o.OnRejected = RejectAsync;
        });
        return services;
    }

    /// <summary>
    /// Only attempts count: GET and HEAD carry no guess (a Razor page's policy covers all its handlers, so showing the
    /// form must not use up the permits).
    /// </summary>
    private static RateLimitPartition<string> PerAddress(HttpContext context, Func<RateLimitOptions, int> permits)
    {
        if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
        {
            return RateLimitPartition.GetNoLimiter("safe");
        }

        var limit = permits(context.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value);
        var address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        return RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = limit,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        });
    }

    private static async ValueTask RejectAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var response = context.HttpContext.Response;
        var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1);
        var seconds = (int)Math.Max(1, Math.Ceiling(wait.TotalSeconds));
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        response.ContentType = "text/plain; charset=utf-8";
        await response.WriteAsync($"Too many attempts from your address. Try again in {seconds} seconds.", cancellationToken);
    }
}

/// <summary>Attempts per minute and client address (section <c>RateLimits</c>).</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    [Range(1, int.MaxValue)]
    public int SignInPerMinute { get; set; } = 10;

    [Range(1, int.MaxValue)]
    public int KeyLookupsPerMinute { get; set; } = 10;
}
