using Marten;
using Microsoft.AspNetCore.Mvc;
using OrProject.Admin.Settings;
using OrProject.Contracts.Events;

namespace OrProject.Admin.Pages.Panel;

/// <summary><c>/admin/prices</c>: the price table, USD per million tokens; saving replaces the whole table.</summary>
internal sealed class PricesModel(IQuerySession session, SettingsCommands commands) : AdminPageModel
{
    [BindProperty]
    public List<PriceRow> Rows { get; set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        var settings = await SettingsCommands.LoadAsync(session, ct);
        Rows = [.. settings.Prices.Select(p => new PriceRow
        {
            Id = p.Id, Input = p.InputUsdPerMTok, Output = p.OutputUsdPerMTok, CacheWrite = p.CacheWriteUsdPerMTok, CacheRead = p.CacheReadUsdPerMTok,
        }), new PriceRow()];
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        // A row with no model id is the blank "add a model" row left empty.
        var prices = Rows.Where(r => !r.Remove && !string.IsNullOrWhiteSpace(r.Id))
            .Select(r => new ModelPrice(r.Id!.Trim(), r.Input ?? -1, r.Output ?? -1, r.CacheWrite ?? 0, r.CacheRead ?? 0)).ToArray();
        var result = await commands.SavePricesAsync(prices, Actor, ct);
        if (result.Succeeded)
        {
            Flash($"Price table saved ({prices.Length} models).");
            return RedirectToPage();
        }

        ShowError(result.Error!);
        return Page();
    }

    public sealed class PriceRow
    {
        public string? Id { get; set; }

        public decimal? Input { get; set; }

        public decimal? Output { get; set; }

        public decimal? CacheWrite { get; set; }

        public decimal? CacheRead { get; set; }

        public bool Remove { get; set; }
    }
}
