using Microsoft.AspNetCore.Mvc.RazorPages;
using OrProject.Admin.Sessions;

namespace OrProject.Admin.Pages;

/// <summary>What every admin page shares: the actor its events name, and one-line messages after a POST.</summary>
internal abstract class AdminPageModel : PageModel
{
    protected string Actor => AdminSession.Actor(User);

    /// <summary>A message for the page the browser is redirected to (post/redirect/get).</summary>
    protected void Flash(string message) => TempData["Flash"] = message;

    /// <summary>An error shown on the page rendered by this request.</summary>
    protected void ShowError(string message) => ViewData["Error"] = message;
}
