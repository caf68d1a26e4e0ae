using Marten;
using Microsoft.AspNetCore.Mvc;
using OrProject.Admin.Keys;
using OrProject.Projections.Keys;

namespace OrProject.Admin.Pages.Panel;

/// <summary><c>/admin/keys</c>: issue (the key shown once), disable and enable, change the budget.</summary>
internal sealed class KeysModel(IQuerySession session, KeyCommands commands) : AdminPageModel
{
    public IReadOnlyList<KeyLedger> Keys { get; private set; } = [];

    /// <summary>What each key's requests in flight hold.</summary>
    public IReadOnlyDictionary<string, decimal> Reserved { get; private set; } = new Dictionary<string, decimal>();

    public decimal ReservedOf(KeyLedger key) => Reserved.GetValueOrDefault(key.Id);

    /// <summary>Set only on the response to the POST that issued it; never stored, never redirected with.</summary>
    public IssuedKeyResponse? Issued { get; private set; }

    [BindProperty]
    public IssueInput Input { get; set; } = new();

    public async Task OnGetAsync(CancellationToken ct) => Keys = await LoadAsync(ct);

    public async Task<IActionResult> OnPostIssueAsync(CancellationToken ct)
    {
        var result = await commands.IssueAsync(Input.Name, Input.BudgetUsd, Actor, ct);
        if (result.Succeeded)
        {
            Issued = result.Value;
            ModelState.Clear();
            Input = new IssueInput();
        }
        else
        {
            ShowError(result.Error!);
        }

        Keys = await LoadAsync(ct);
        return Page();
    }

    public async Task<IActionResult> OnPostDisableAsync(string id, CancellationToken ct) =>
        Done(await commands.SetDisabledAsync(id, true, Actor, ct), k => $"Key “{k.Name}” disabled.");

    public async Task<IActionResult> OnPostEnableAsync(string id, CancellationToken ct) =>
        Done(await commands.SetDisabledAsync(id, false, Actor, ct), k => $"Key “{k.Name}” enabled.");

    public async Task<IActionResult> OnPostBudgetAsync(string id, decimal? budgetUsd, CancellationToken ct) =>
        Done(await commands.ChangeBudgetAsync(id, budgetUsd, Actor, ct), k => $"Budget of “{k.Name}” set to {Display.Money(k.BudgetUsd)}.");

    private IActionResult Done(AdminResult<KeyLedger> result, Func<KeyLedger, string> message)
    {
        Flash(result.Succeeded ? message(result.Value!) : result.Error!);
        return RedirectToPage();
    }

    private async Task<IReadOnlyList<KeyLedger>> LoadAsync(CancellationToken ct)
    {
        Reserved = await BudgetHoldQueries.ReservedByKeyAsync(session, ct);
        return await session.Query<KeyLedger>().OrderByDescending(k => k.CreatedAt).ToListAsync(ct);
    }

    public sealed class IssueInput
    {
        public string? Name { get; set; }

        public decimal? BudgetUsd { get; set; }
    }
}
