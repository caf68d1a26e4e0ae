using System.Globalization;
using OrProject.Contracts.Events;
using OrProject.Contracts.Pricing;
using OrProject.Projections.Settings;

namespace OrProject.Admin.Audit;

/// <summary>
/// Before and after values of admin events, derived by folding each stream's earlier events: every event sets some
/// named fields, and an event's change is each field whose value differs from what the stream's earlier events left.
/// Only admin events and cooldowns set these fields, so usage events never need to be read.
/// </summary>
internal static class AuditFold
{
    /// <summary>Event types the audit log lists.</summary>
    public static readonly Type[] Listed =
    [
        typeof(KeyIssued), typeof(KeyDisabled), typeof(KeyEnabled), typeof(BudgetChanged), typeof(KeyLimitsChanged),
        typeof(AccountAdded), typeof(AccountDisabled), typeof(AccountEnabled), typeof(AccountRestored),
        typeof(SettingsChanged), typeof(PriceTableChanged),
    ];

    /// <summary>Event types folded for "before" values: the listed ones, and cooldowns, which a restore undoes.</summary>
    public static readonly Type[] Folded = [.. Listed, typeof(AccountCooledDown)];

    public const string SettingsStream = GatewaySettings.StreamId;

    private const string PricePrefix = "price ";

    /// <summary>What a stream looks like before its first event: the settings stream starts from the defaults.</summary>
    public static Dictionary<string, string?> Initial(string streamId)
    {
        var state = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (streamId == SettingsStream)
        {
            var defaults = new GatewaySettings();
            Set(state, Fields(new SettingsChanged(defaults.SystemPrompt, defaults.DefaultModel, defaults.ModelAliases, defaults.ToolMode, "", default)));
            Set(state, Fields(new PriceTableChanged(defaults.PriceTable(), "", default)));
        }

        return state;
    }

    /// <summary>Applies <paramref name="data"/> to <paramref name="state"/> and returns the fields it changed.</summary>
    public static IReadOnlyList<AuditChange> Apply(Dictionary<string, string?> state, object data)
    {
        var fields = Fields(data);
        if (data is KeyLimitsChanged limits)
        {
            // A key issued without a limit leaves no field for it: the event's own "previous" says what it was.
            foreach (var (field, previous) in LimitFields(limits.Previous))
            {
                state.TryAdd(field, previous);
            }
        }

        if (data is PriceTableChanged)
        {
            // The new table replaces the old one: a model it leaves out is removed.
            foreach (var removed in state.Keys.Where(k => k.StartsWith(PricePrefix, StringComparison.Ordinal) && !fields.ContainsKey(k)))
            {
                fields[removed] = null;
            }
        }

        var changes = fields.Where(f => state.GetValueOrDefault(f.Key) != f.Value)
            .Select(f => new AuditChange(f.Key, state.GetValueOrDefault(f.Key), f.Value)).ToList();
        Set(state, fields);
        return changes;
    }

    public static string Actor(object data) => data switch
    {
        KeyIssued e => e.Actor,
        KeyDisabled e => e.Actor,
        KeyEnabled e => e.Actor,
        BudgetChanged e => e.Actor,
        KeyLimitsChanged e => e.Actor,
        AccountAdded e => e.Actor,
        AccountDisabled e => e.Actor,
        AccountEnabled e => e.Actor,
        AccountRestored e => e.Actor,
        SettingsChanged e => e.Actor,
        PriceTableChanged e => e.Actor,
        _ => "system",
    };

    private static void Set(Dictionary<string, string?> state, IEnumerable<KeyValuePair<string, string?>> fields)
    {
        foreach (var (field, value) in fields)
        {
            state[field] = value;
        }
    }

    private static Dictionary<string, string?> Fields(object data) => data switch
    {
        KeyIssued e => new(LimitFields(e.Limits).Where(f => f.Value is not ("never" or "all" or "no limit"))) { ["name"] = e.Name, ["budget"] = Money(e.BudgetUsd), ["budget period"] = e.BudgetPeriod, ["status"] = "enabled" },
        KeyLimitsChanged e => LimitFields(e.Limits),
        KeyDisabled => new() { ["status"] = "disabled" },
        KeyEnabled => new() { ["status"] = "enabled" },
        BudgetChanged e => new() { ["budget"] = Money(e.BudgetUsd) },
        AccountAdded e => new()
        {
            ["name"] = e.Name, ["kind"] = e.Kind, ["base URL"] = e.BaseUrl, ["weight"] = Number(e.Weight),
            ["models"] = e.Models.Count == 0 ? "all" : string.Join(", ", e.Models), ["max concurrency"] = e.MaxConcurrency == 0 ? "no limit" : Number(e.MaxConcurrency),
            ["status"] = "active",
        },
        AccountDisabled e => new() { ["status"] = "disabled", ["reason"] = e.Reason },
        AccountEnabled => new() { ["status"] = "active", ["reason"] = null, ["cooldown"] = null },
        AccountRestored => new() { ["cooldown"] = null },
        AccountCooledDown e => new() { ["cooldown"] = "until " + e.Until.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) },
        SettingsChanged e => new()
        {
            ["system prompt"] = e.SystemPrompt ?? "(none)",
            ["default model"] = e.DefaultModel ?? "(none)",
            ["model aliases"] = e.ModelAliases.Count == 0 ? "(none)"
                : string.Join("; ", e.ModelAliases.OrderBy(a => a.Key, StringComparer.OrdinalIgnoreCase).Select(a => $"{a.Key} → {a.Value}")),
            ["tool mode"] = e.ToolMode,
        },
        PriceTableChanged e => PriceFields(e),
        _ => [],
    };

    /// <summary>A key's limits, one field each, "no limit" when unset (so a limit set later shows what it replaced).</summary>
    private static Dictionary<string, string?> LimitFields(KeyLimits limits) => new()
    {
        ["expires"] = limits.ExpiresAt is { } at ? at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture) : "never",
        ["models"] = limits.Models is { Count: > 0 } models ? string.Join(", ", models) : "all",
        ["rpm"] = limits.Rpm is { } rpm ? Number(rpm) : "no limit",
        ["tpm"] = limits.Tpm is { } tpm ? Number(tpm) : "no limit",
        ["max concurrency"] = limits.MaxConcurrency is { } max ? Number(max) : "no limit",
    };

    /// <summary>One field per model, so a price change shows only the rows that changed; a model left out is removed.</summary>
    private static Dictionary<string, string?> PriceFields(PriceTableChanged e)
    {
        var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var p in e.Models)
        {
            // The effective 1-hour and search prices, so a table stored before they existed reads as it charges.
            fields[PricePrefix + p.Id] = $"in {Money(p.InputUsdPerMTok)} · out {Money(p.OutputUsdPerMTok)} · cache write {Money(p.CacheWriteUsdPerMTok)}" +
                $" · cache write 1h {Money(PriceCatalog.CacheWrite1hUsdPerMTok(p))} · cache read {Money(p.CacheReadUsdPerMTok)}" +
                $" · web search {Money(PriceCatalog.WebSearchUsdPerThousand(p))}/1k" +
                (p.MaxOutputTokens is { } max ? " · max output " + Number(max) : "") +
                (p.ContextWindow is { } window ? " · context " + Number(window) : "") +
                (p.LongPromptAboveTokens is { } above
                    ? $" · prompts over {Number(above)} tokens: input ×{Factor(p.LongPromptInputFactor)}, output ×{Factor(p.LongPromptOutputFactor)}"
                    : "");
        }

        return fields;
    }

    private static string Money(decimal usd) => "$" + usd.ToString("0.00####", CultureInfo.InvariantCulture);

    private static string Number(long n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Factor(decimal? factor) => (factor ?? 1m).ToString("0.####", CultureInfo.InvariantCulture);
}
