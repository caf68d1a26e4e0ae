using Marten;
using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using OrProject.Contracts.Events;
using OrProject.Admin.Keys;
using OrProject.Projections.Keys;

namespace OrProject.Admin.Pages.Panel;

/// <summary>
/// <c>/admin/keys</c>: issue (the key shown once), disable and enable, change the budget, and change a key's limits
/// (<c>?limits=ID</c> opens the form for that key, filled with what it has).
/// </summary>
internal sealed class KeysModel(IQuerySession session, KeyCommands commands, TimeProvider clock) : AdminPageModel
{
    public DateTimeOffset Now { get; } = clock.GetUtcNow();

    /// <summary>The key whose limits form is open, if any.</summary>
    public KeyLedger? Editing { get; private set; }

    [BindProperty]
    public LimitsInput Edit { get; set; } = new();

    public IReadOnlyList<KeyLedger> Keys { get; private set; } = [];

    /// <summary>What each key's requests in flight hold.</summary>
    public IReadOnlyDictionary<string, decimal> Reserved { get; private set; } = new Dictionary<string, decimal>();

    public decimal ReservedOf(KeyLedger key) => Reserved.GetValueOrDefault(key.Id);

    public static IReadOnlyList<(string Value, string Text)> Periods { get; } =
        [(BudgetPeriods.Total, "Total (never renews)"), (BudgetPeriods.Daily, "Daily (UTC)"), (BudgetPeriods.Monthly, "Monthly (UTC)")];

    /// <summary>"total", or "daily since 2026-11-27" (the current period's start).</summary>
    public static string PeriodText(KeyLedger key, DateTimeOffset now) => key.BudgetPeriod == BudgetPeriods.Total
        ? "total"
        : $"{key.BudgetPeriod} since {key.PeriodStartAt(now).UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}";

    /// <summary>The key's limits, one short line each; "none" when it has none.</summary>
    public static IReadOnlyList<string> LimitLines(KeyLedger key)
    {
        var lines = new List<string>();
        if (key.Rpm is { } rpm)
        {
            lines.Add($"{Display.Count(rpm)} req/min");
        }

        if (key.Tpm is { } tpm)
        {
            lines.Add($"{Display.Count(tpm)} tok/min");
        }

        if (key.MaxConcurrency is { } max)
        {
            lines.Add($"{Display.Count(max)} at once");
        }

        if (key.Models is { Length: > 0 } models)
        {
            lines.Add(models.Length == 1 ? models[0] : $"{models.Length} models");
        }

        if (key.ExpiresAt is { } expires)
        {
            lines.Add("expires " + Display.ShortTime(expires));
        }

        return lines.Count == 0 ? ["none"] : lines;
    }

    /// <summary>Set only on the response to the POST that issued it; never stored, never redirected with.</summary>
    public IssuedKeyResponse? Issued { get; private set; }

    [BindProperty]
    public IssueInput Input { get; set; } = new();

    public async Task OnGetAsync(string? limits, CancellationToken ct)
    {
        Keys = await LoadAsync(ct);
        Editing = limits is null ? null : Keys.FirstOrDefault(k => k.Id == limits);
        if (Editing is not null)
        {
            Edit = LimitsInput.From(Editing.CurrentLimits());
        }
    }

    public async Task<IActionResult> OnPostLimitsAsync(string id, CancellationToken ct)
    {
        var (expiresAt, badExpiry) = Edit.Expiry();
        var result = badExpiry is null
            ? await commands.ChangeLimitsAsync(id, Edit.ToRequest(expiresAt), Actor, ct)
            : AdminResult<KeyLedger>.Invalid(badExpiry);
        if (result.Succeeded)
        {
            Flash($"Limits of “{result.Value!.Name}” saved.");
            return RedirectToPage();
        }

        // Shown again with what was typed, and the error, so nothing is lost.
        ShowError(result.Error!);
        Keys = await LoadAsync(ct);
        Editing = Keys.FirstOrDefault(k => k.Id == id);
        return Page();
    }

    public async Task<IActionResult> OnPostIssueAsync(CancellationToken ct)
    {
        var (expiresAt, badExpiry) = Input.Limits.Expiry();
        var result = badExpiry is null
            ? await commands.IssueAsync(Input.ToRequest(expiresAt), Actor, ct)
            : AdminResult<IssuedKeyResponse>.Invalid(badExpiry);
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

        public string? BudgetPeriod { get; set; }

        public LimitsInput Limits { get; set; } = new();

        public IssueKeyRequest ToRequest(DateTimeOffset? expiresAt) =>
            new(Name, BudgetUsd, BudgetPeriod, expiresAt, Limits.ModelList, Limits.Rpm, Limits.Tpm, Limits.MaxConcurrency);
    }
}
