using Marten;
using Microsoft.AspNetCore.Mvc;
using OrProject.Admin.Settings;

namespace OrProject.Admin.Pages.Panel;

/// <summary><c>/admin/settings</c>: system prompt, default model, model aliases and tool mode, live within a second.</summary>
internal sealed class SettingsModel(IQuerySession session, SettingsCommands commands) : AdminPageModel
{
    [BindProperty]
    public SettingsInput Input { get; set; } = new();

    public IReadOnlyList<string> KnownModels { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken ct)
    {
        var s = await LoadAsync(ct);
        Input = new SettingsInput
        {
            SystemPrompt = s.SystemPrompt,
            DefaultModel = s.DefaultModel,
            ModelAliases = string.Join('\n', s.ModelAliases.OrderBy(a => a.Key, StringComparer.OrdinalIgnoreCase).Select(a => $"{a.Key} = {a.Value}")),
            ToolMode = s.ToolMode,
        };
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var (aliases, error) = ParseAliases(Input.ModelAliases);
        if (error is null)
        {
            var result = await commands.SaveSettingsAsync(new SettingsBody(Input.SystemPrompt, Input.DefaultModel, aliases, Input.ToolMode), Actor, ct);
            if (result.Succeeded)
            {
                Flash("Settings saved; every instance uses them within a second.");
                return RedirectToPage();
            }

            error = result.Error;
        }

        ShowError(error!);
        await LoadAsync(ct);
        return Page();
    }

    /// <summary>One alias a line, <c>alias = model</c>.</summary>
    internal static (Dictionary<string, string> Aliases, string? Error) ParseAliases(string? text)
    {
        var aliases = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var lines = (text ?? "").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var parts = line.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            {
                return (aliases, $"Model aliases, line {i + 1}: write “alias = model”.");
            }

            aliases[parts[0]] = parts[1];
        }

        return (aliases, null);
    }

    private async Task<Projections.Settings.GatewaySettings> LoadAsync(CancellationToken ct)
    {
        var settings = await SettingsCommands.LoadAsync(session, ct);
        KnownModels = [.. settings.PriceTable().Select(p => p.Id)];
        return settings;
    }

    public sealed class SettingsInput
    {
        public string? SystemPrompt { get; set; }

        public string? DefaultModel { get; set; }

        public string? ModelAliases { get; set; }

        public string ToolMode { get; set; } = "native";
    }
}
