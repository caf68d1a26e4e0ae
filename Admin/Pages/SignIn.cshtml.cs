using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrProject.Admin.Security;
using OrProject.Admin.Sessions;

namespace OrProject.Admin.Pages;

/// <summary><c>/admin/signin</c>: the admin token in, a cookie session out. The token is never written back.</summary>
[EnableRateLimiting(ClientRateLimits.AdminSignIn)]
internal sealed partial class SignInModel(IOptions<AdminOptions> options, ILogger<SignInModel> logger) : PageModel
{
    public string ReturnUrl { get; private set; } = "/admin";

    public void OnGet(string? returnUrl)
    {
        ReturnUrl = LocalOrDefault(returnUrl);
        WarnIfOff();
    }

    public async Task<IActionResult> OnPostAsync(string? token, string? returnUrl)
    {
        ReturnUrl = LocalOrDefault(returnUrl);
        if (await AdminSession.TrySignInAsync(HttpContext, token))
        {
            return LocalRedirect(ReturnUrl);
        }

        // Logged so that someone guessing at the token shows up in the logs; the guess itself is not logged.
        LogRefused(logger, HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        if (!WarnIfOff())
        {
            ViewData["Error"] = "That is not the admin token.";
        }

        return Page();
    }

    private bool WarnIfOff()
    {
        if (options.Value.Token.Length > 0)
        {
            return false;
        }

        ViewData["Error"] = "The admin panel is off: no admin token is configured (ORP_ADMIN_TOKEN).";
        return true;
    }

    /// <summary>Only a path under /admin is followed after sign-in: no open redirect.</summary>
    private string LocalOrDefault(string? url) =>
        url is { Length: > 0 } && Url.IsLocalUrl(url) && url.StartsWith("/admin", StringComparison.OrdinalIgnoreCase) ? url : "/admin";

    [LoggerMessage(LogLevel.Warning, "Admin sign-in refused (from {RemoteAddress})")]
    private static partial void LogRefused(ILogger logger, string remoteAddress);
}
