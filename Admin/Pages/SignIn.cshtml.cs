using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OrProject.Admin.Sessions;

namespace OrProject.Admin.Pages;

/// <summary><c>/admin/signin</c>: the admin token in, a cookie session out. The token is never written back.</summary>
internal sealed class SignInModel : PageModel
{
    public string ReturnUrl { get; private set; } = "/admin";

    public void OnGet(string? returnUrl) => ReturnUrl = LocalOrDefault(returnUrl);

    public async Task<IActionResult> OnPostAsync(string? token, string? returnUrl)
    {
        ReturnUrl = LocalOrDefault(returnUrl);
        if (await AdminSession.TrySignInAsync(HttpContext, token))
        {
            return LocalRedirect(ReturnUrl);
        }

        ViewData["Error"] = "That is not the admin token.";
        return Page();
    }

    /// <summary>Only a path under /admin is followed after sign-in: no open redirect.</summary>
    private string LocalOrDefault(string? url) =>
        url is { Length: > 0 } && Url.IsLocalUrl(url) && url.StartsWith("/admin", StringComparison.OrdinalIgnoreCase) ? url : "/admin";
}
