using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace OrProject.Admin.Pages.Panel;

/// <summary><c>/admin</c> opens on the keys.</summary>
internal sealed class IndexModel : PageModel
{
    public IActionResult OnGet() => RedirectToPage("/Panel/Keys");
}
