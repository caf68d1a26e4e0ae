using Marten;
using Microsoft.AspNetCore.Mvc;
using OrProject.Admin.Settings;
using OrProject.Contracts.Events;

namespace OrProject.Admin.Pages.Panel;

/// <summary>
/// <c>/admin/prices</c>: the model table (prices in USD per million tokens and per thousand web searches, and each
/// model's output and context limits); saving replaces the whole table, through the same rules as the JSON API.
/// </summary>
internal sealed class PricesModel(IQuerySession session, SettingsCommands commands) : AdminPageModel
{
    [BindProperty]
    public List<PriceRow> Rows { get; set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        var settings = await SettingsCommands.LoadAsync(session, ct);
        Rows = [.. settings.PriceTable().Select(PriceRow.From), new PriceRow()];
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        // A row with no model id is the blank "add a model" row left empty.
        var rows = Rows.Where(r => !r.Remove && !string.IsNullOrWhiteSpace(r.Id)).ToArray();
        var error = Unreadable() ?? rows.Select(r => r.Missing()).FirstOrDefault(m => m is not null);
        if (error is null)
        {
            var prices = rows.Select(r => r.ToPrice()).ToArray();
            var result = await commands.SavePricesAsync(prices, Actor, ct);
            if (result.Succeeded)
            {
                Flash($"Price table saved ({prices.Length} models).");
                return RedirectToPage();
            }

            error = result.Error;
        }

        ShowError($"Not saved: {error}.");
        return Page();
    }

    /// <summary>
    /// A field that did not bind as a number: model binding leaves it null, which would otherwise save as a blank
    /// (0 for cache prices), so it is refused instead.
    /// </summary>
    private string? Unreadable()
    {
        var bad = ModelState.FirstOrDefault(e => e.Value?.Errors.Count > 0);
        return bad.Key is null ? null : $"\"{bad.Value?.AttemptedValue}\" is not a number (field {bad.Key}); use digits and a dot, e.g. 3.75";
    }

    public sealed class PriceRow
    {
        public string? Id { get; set; }

        public decimal? Input { get; set; }

        public decimal? Output { get; set; }

        public decimal? CacheWrite { get; set; }

        public decimal? CacheWrite1h { get; set; }

        public decimal? CacheRead { get; set; }

        public decimal? WebSearch { get; set; }

        public int? MaxOutput { get; set; }

        public int? Context { get; set; }

        public long? LongAbove { get; set; }

        public decimal? LongInput { get; set; }

        public decimal? LongOutput { get; set; }

        public bool Remove { get; set; }

        public static PriceRow From(ModelPrice p) => new()
        {
            Id = p.Id, Input = p.InputUsdPerMTok, Output = p.OutputUsdPerMTok, CacheWrite = p.CacheWriteUsdPerMTok,
            CacheWrite1h = p.CacheWrite1hUsdPerMTok, CacheRead = p.CacheReadUsdPerMTok, WebSearch = p.WebSearchUsdPerThousand,
            MaxOutput = p.MaxOutputTokens, Context = p.ContextWindow,
            LongAbove = p.LongPromptAboveTokens, LongInput = p.LongPromptInputFactor, LongOutput = p.LongPromptOutputFactor,
        };

        /// <summary>What a blank limit means for this row: the limit the model's id implies, or none.</summary>
        public string LimitHint(Func<string, int?> derived) =>
            string.IsNullOrWhiteSpace(Id) ? "default" : derived(Id) is { } n ? "default " + Compact(n) : "no limit";

        /// <summary><c>200000</c> → <c>200k</c>, <c>1000000</c> → <c>1M</c>, so the hint fits its field.</summary>
        private static string Compact(int tokens) =>
            tokens % 1_000_000 == 0 ? (tokens / 1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture) + "M"
            : tokens % 1000 == 0 ? (tokens / 1000).ToString(System.Globalization.CultureInfo.InvariantCulture) + "k"
            : tokens.ToString(System.Globalization.CultureInfo.InvariantCulture);

        public string? Missing() => Input is null || Output is null ? $"{Id!.Trim()}: input and output prices are required" : null;

        /// <summary>
        /// Blank cache prices are 0, as before; blank 1-hour and search prices keep the catalog's defaults, blank limits
        /// the ones the model's id implies, a blank long-prompt threshold one band.
        /// </summary>
        public ModelPrice ToPrice() =>
            new(Id!.Trim(), Input ?? 0, Output ?? 0, CacheWrite ?? 0, CacheRead ?? 0, CacheWrite1h, WebSearch, MaxOutput, Context,
                LongAbove, LongInput, LongOutput);
    }
}
