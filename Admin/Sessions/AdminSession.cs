using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrProject.Admin.Security;

namespace OrProject.Admin.Sessions;

/// <summary>
/// The admin pages' session: the admin token is posted once to the sign-in page, then an HttpOnly, SameSite=Strict
/// cookie (Secure over HTTPS) carries the session, sliding, for at most <see cref="Lifetime"/> of inactivity.
/// The JSON API does not accept the cookie; it keeps its bearer token, so no cross-site request can reach it.
/// </summary>
internal static class AdminSession
{
    public const string Scheme = "OrpAdmin";
    public const string Policy = "OrpAdmin";
    public const string SignInPath = "/admin/signin";
    private const string TokenClaim = "orp:token";
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);

    public static IServiceCollection AddAdminSessions(this IServiceCollection services)
    {
        services.AddAuthentication().AddCookie(Scheme, o =>
        {
            o.Cookie.Name = "orp_admin";
            o.Cookie.Path = "/admin";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.ExpireTimeSpan = Lifetime;
            o.SlidingExpiration = true;
            o.LoginPath = SignInPath;
            o.AccessDeniedPath = SignInPath;
            o.Events.OnValidatePrincipal = RejectIfTokenChangedAsync;
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(Policy, p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser());
        return services;
    }

    /// <summary>Signs in when <paramref name="token"/> is the admin token, compared in constant time.</summary>
    public static async Task<bool> TrySignInAsync(HttpContext context, string? token)
    {
        var expected = context.RequestServices.GetRequiredService<IOptions<AdminOptions>>().Value.Token;
        if (!AdminTokenFilter.Matches(token ?? "", expected))
        {
            return false;
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, AdminTokenFilter.Actor), new Claim(TokenClaim, Fingerprint(expected))], Scheme);
        await context.SignInAsync(Scheme, new ClaimsPrincipal(identity), new AuthenticationProperties { IsPersistent = false });
        return true;
    }

    public static Task SignOutAsync(HttpContext context) => context.SignOutAsync(Scheme);

    /// <summary>The actor that admin events from the pages name: the same admin as the token holder of the API.</summary>
    public static string Actor(ClaimsPrincipal user) => user.Identity?.Name ?? AdminTokenFilter.Actor;

    /// <summary>A session outlives no token rotation: it carries a fingerprint of the token it was opened with.</summary>
    private static async Task RejectIfTokenChangedAsync(CookieValidatePrincipalContext context)
    {
        var expected = context.HttpContext.RequestServices.GetRequiredService<IOptions<AdminOptions>>().Value.Token;
        if (expected.Length == 0 || context.Principal?.FindFirstValue(TokenClaim) != Fingerprint(expected))
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
        }
    }

    private static string Fingerprint(string token) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("orp-admin-session:" + token)))[..16];
}
