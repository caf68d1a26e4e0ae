using Marten;
using Microsoft.AspNetCore.Mvc;
using OrProject.Admin.Accounts;
using OrProject.Projections.Accounts;

namespace OrProject.Admin.Pages.Panel;

/// <summary><c>/admin/accounts</c>: the upstream pool, its health, and the admin's actions on it.</summary>
internal sealed class AccountsModel(IQuerySession session, AccountCommands commands, TimeProvider clock) : AdminPageModel
{
    public IReadOnlyList<AccountResponse> Accounts { get; private set; } = [];

    public DateTimeOffset Now { get; private set; }

    [BindProperty]
    public AddInput Input { get; set; } = new();

    public static IReadOnlyList<string> Kinds { get; } = [AccountKinds.Anthropic, AccountKinds.OpenAi, AccountKinds.Simulator];

    public async Task OnGetAsync(CancellationToken ct) => await LoadAsync(ct);

    public async Task<IActionResult> OnPostAddAsync(CancellationToken ct)
    {
        var models = (Input.Models ?? "").Split([',', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var request = new AddAccountRequest(Input.Name, Input.Kind, Input.BaseUrl, Input.ApiKey, Input.Weight, models, Input.MaxConcurrency);
        var result = await commands.AddAsync(request, Actor, ct);
        if (result.Succeeded)
        {
            Flash($"Account “{result.Value!.Name}” added.");
            return RedirectToPage();
        }

        ShowError(result.Error!);
        Input.ApiKey = null; // a secret is never written back into the page
        await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostDisableAsync(string id, CancellationToken ct) =>
        Done(await commands.DisableAsync(id, Actor, ct), "disabled");

    public async Task<IActionResult> OnPostEnableAsync(string id, CancellationToken ct) =>
        Done(await commands.EnableAsync(id, Actor, ct), "enabled");

    public async Task<IActionResult> OnPostRestoreAsync(string id, CancellationToken ct) =>
        Done(await commands.RestoreAsync(id, Actor, ct), "restored from cooldown");

    private IActionResult Done(AdminResult<UpstreamAccount> result, string what)
    {
        Flash(result.Succeeded ? $"Account “{result.Value!.Name}” {what}." : result.Error!);
        return RedirectToPage();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        Now = clock.GetUtcNow();
        Accounts = await AccountQueries.ListAsync(session, Now, ct);
    }

    public sealed class AddInput
    {
        public string? Name { get; set; }

        public string? Kind { get; set; } = AccountKinds.Anthropic;

        public string? BaseUrl { get; set; }

        public string? ApiKey { get; set; }

        public int? Weight { get; set; } = 1;

        public string? Models { get; set; }

        public int? MaxConcurrency { get; set; } = 0;
    }
}
