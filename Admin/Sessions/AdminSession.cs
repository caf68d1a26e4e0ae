using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrProject.Admin.Security;
using OrProject.ServiceDefaults;

namespace OrProject.Admin.Sessions;

/// <summary>
/// The admin pages' session: the admin token is posted once to the sign-in page, then an HttpOnly, SameSite=Strict
/// cookie (Secure over HTTPS) carries the session, sliding, for at most <see cref="IdleLifetime"/> of inactivity and
/// never longer than <see cref="AdminOptions.SessionLifetime"/> from sign-in, however busy.
/// The JSON API does not accept the cookie; it keeps its bearer token, so no cross-site request can reach it.
/// </summary>
internal static class AdminSession
{
    public const string Scheme = "OrpAdmin";
    public const string Policy = "OrpAdmin";
    public const string SignInPath = "/admin/signin";
    private const string TokenClaim = "orp:token";
    private const string SignedInClaim = "orp:signed_in";
    private static readonly TimeSpan IdleLifetime = TimeSpan.FromHours(8);

    public static IServiceCollection AddAdminSessions(this IServiceCollection services)
    {
        services.AddAuthentication().AddCookie(Scheme, o =>
        {
            o.Cookie.Name = "orp_admin";
            o.Cookie.Path = "/admin";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = IdleLifetime;
            o.SlidingExpiration = true;
            o.LoginPath = SignInPath;
            o.AccessDeniedPath = SignInPath;
            o.Events.OnValidatePrincipal = RejectIfStaleAsync;
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(Policy, p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser());
        return services;
    }

    /// <summary>Signs in when <paramref name="token"/> is the admin token, compared in constant time.</summary>
    public static async Task<bool> TrySignInAsync(HttpContext context, string? token)
    {
        var expected = context.RequestServices.GetRequiredService<IOptions<AdminOptions>>().Value.Token;
        if (!AdminToken.Matches(token ?? "", expected))
        {
            return false;
        }

        var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow().ToUnixTimeSeconds();
        var identity = new ClaimsIdentity([
            new Claim(ClaimTypes.Name, AdminApiGate.Actor),
            new Claim(TokenClaim, Fingerprint(expected)),
            new Claim(SignedInClaim, now.ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer64),
        ], Scheme);
        await context.SignInAsync(Scheme, new ClaimsPrincipal(identity), new AuthenticationProperties { IsPersistent = false });
        return true;
    }

    public static Task SignOutAsync(HttpContext context) => context.SignOutAsync(Scheme);

    /// <summary>The actor that admin events from the pages name: the same admin as the token holder of the API.</summary>
    public static string Actor(ClaimsPrincipal user) => user.Identity?.Name ?? AdminApiGate.Actor;

    /// <summary>
    /// On every request: a session outlives no token rotation (it carries a fingerprint of the token it was opened
    /// with), and none outlives its absolute lifetime. The sign-in time is a claim of our own because the cookie's
    /// IssuedUtc moves forward each time sliding expiration renews it.
    /// </summary>
    private static async Task RejectIfStaleAsync(CookieValidatePrincipalContext context)
    {
        var services = context.HttpContext.RequestServices;
        var options = services.GetRequiredService<IOptions<AdminOptions>>().Value;
        var signedIn = long.TryParse(context.Principal?.FindFirstValue(SignedInClaim), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : DateTimeOffset.MinValue;
        var expired = services.GetRequiredService<TimeProvider>().GetUtcNow() - signedIn >= options.SessionLifetime;
        if (expired || options.Token.Length == 0 || context.Principal?.FindFirstValue(TokenClaim) != Fingerprint(options.Token))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
        }
    }

    private static string Fingerprint(string token) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("orp-admin-session:" + token)))[..16];
}
