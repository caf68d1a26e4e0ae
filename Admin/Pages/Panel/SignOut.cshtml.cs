using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OrProject.Admin.Sessions;

namespace OrProject.Admin.Pages.Panel;

/// <summary><c>POST /admin/signout</c> ends the session; a GET only goes back, so a link or image cannot sign anyone out.</summary>
internal sealed class SignOutModel : PageModel
{
    public IActionResult OnGet() => RedirectToPage("/Panel/Keys");

    public async Task<IActionResult> OnPostAsync()
    {
        await AdminSession.SignOutAsync(HttpContext);
        return RedirectToPage("/SignIn");
    }
}
