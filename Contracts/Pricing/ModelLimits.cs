using System.Text.RegularExpressions;
using OrProject.Contracts.Events;

namespace OrProject.Contracts.Pricing;

/// <summary>
/// What a model takes, by its family and version as its id spells them (<c>claude-sonnet-4-5-20250929</c>,
/// <c>claude-3-7-sonnet-latest</c>): the output tokens a request may ask for, and whether it thinks adaptively
/// (Claude 4.6 and later: <c>thinking: {type: "adaptive"}</c> with <c>output_config.effort</c>; the later Opus models
/// refuse token budgets) or with a token budget (<c>thinking: {type: "enabled", budget_tokens}</c>). Models the
/// gateway cannot place (other vendors behind an OpenAI-compatible account) get a modest output default.
/// </summary>
public static partial class ModelLimits
{
    /// <summary>The output default for a model this table does not know.</summary>
    public const int UnknownMaxOutputTokens = 8192;

    public static int MaxOutputTokens(string model) => Place(model) switch
    {
        null => UnknownMaxOutputTokens,
        (_, 3, 7) => 64_000,
        (_, 3, _) => 8192,
        ("opus", 4, <= 1) => 32_000,
        ("opus" or "sonnet", 4, >= 6) or (_, >= 5, _) => 128_000,
        _ => 64_000,
    };

    /// <summary>The model's output limit when the table can place the model (Claude), else null: unknown models are not checked.</summary>
    public static int? KnownMaxOutputTokens(string model) => Place(model) is null ? null : MaxOutputTokens(model);

    /// <summary>
    /// Claude's context window: a million tokens from Claude 4.6 on, 200,000 before it; null for a model the table
    /// cannot place.
    /// </summary>
    public static int? KnownContextWindow(string model) => Place(model) switch
    {
        null => null,
        (_, 4, >= 6) or (_, >= 5, _) => 1_000_000,
        _ => 200_000,
    };

    /// <summary>
    /// The output limit the edge holds a request to: the model table's own when its row names this model (an admin
    /// set it), else the limit Claude's id implies; null for a model neither knows (the upstream judges it).
    /// </summary>
    public static int? MaxOutputTokens(ModelPrice row, string model) =>
        Own(row, model)?.MaxOutputTokens ?? KnownMaxOutputTokens(model);

    /// <summary>The <c>max_tokens</c> given to a request that set none (OpenAI's APIs do not require one).</summary>
    public static int DefaultMaxTokens(ModelPrice row, string model) =>
        Own(row, model)?.MaxOutputTokens ?? MaxOutputTokens(model);

    /// <summary>The context window to advertise: the model table's own, else the one Claude's id implies.</summary>
    public static int? ContextWindow(ModelPrice row, string model) =>
        Own(row, model)?.ContextWindow ?? KnownContextWindow(model);

    /// <summary>
    /// The row when it is this model's own: an unknown <c>claude-*</c> name priced as its family's first model does
    /// not inherit that model's limits, its id is a better guide.
    /// </summary>
    private static ModelPrice? Own(ModelPrice row, string model) =>
        string.Equals(row.Id, model.Trim(), StringComparison.OrdinalIgnoreCase) ? row : null;

    /// <summary>Claude 4.6 and later think adaptively, with an effort word instead of a token budget.</summary>
    public static bool ThinksAdaptively(string model) => Place(model) is var (_, major, minor) && (major > 4 || (major == 4 && minor >= 6));

    public static bool IsOpus(string model) => Place(model) is ("opus", _, _);

    /// <summary>(family, major, minor), or null for a model id that is not Claude's.</summary>
    private static (string Family, int Major, int Minor)? Place(string model)
    {
        var id = model.Trim().ToLowerInvariant();
        if (NewStyle().Match(id) is { Success: true } modern)
        {
            return (modern.Groups["family"].Value, int.Parse(modern.Groups["major"].Value, System.Globalization.CultureInfo.InvariantCulture),
                modern.Groups["minor"].Success ? int.Parse(modern.Groups["minor"].Value, System.Globalization.CultureInfo.InvariantCulture) : 0);
        }

        if (OldStyle().Match(id) is { Success: true } old)
        {
            return (old.Groups["family"].Value, int.Parse(old.Groups["major"].Value, System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(old.Groups["minor"].Value, System.Globalization.CultureInfo.InvariantCulture));
        }

        return null;
    }

    /// <summary><c>claude-sonnet-4-5-20250929</c>, <c>claude-opus-4-1</c>, <c>claude-sonnet-4-20250514</c>, <c>claude-fable-5-1</c>.</summary>
    [GeneratedRegex(@"^claude-(?<family>fable|mythos|opus|sonnet|haiku)-(?<major>\d{1,2})(?:-(?<minor>\d{1,2}))?(?:-|$)")]
    private static partial Regex NewStyle();

    /// <summary><c>claude-3-7-sonnet-20250219</c>, <c>claude-3-5-haiku-latest</c>.</summary>
    [GeneratedRegex(@"^claude-(?<major>\d)-(?<minor>\d)-(?<family>opus|sonnet|haiku)(?:-|$)")]
    private static partial Regex OldStyle();
}
