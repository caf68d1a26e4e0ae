using System.Globalization;
using Marten;
using Microsoft.AspNetCore.WebUtilities;
using OrProject.Admin.Requests;
using OrProject.Projections.Accounts;
using OrProject.Projections.Keys;
using OrProject.Projections.Requests;

namespace OrProject.Admin.Pages.Panel;

/// <summary>
/// <c>/admin/requests</c>: the request log, newest first, filtered by key, model, outcome and time (UTC), a page at a
/// time (older and newer by keyset, like the API's <c>before</c>).
/// </summary>
internal sealed class RequestsModel(IQuerySession session) : AdminPageModel
{
    public const int PageSize = 50;

    public IReadOnlyList<RequestLogResponse> Rows { get; private set; } = [];

    public IReadOnlyList<KeyLedger> Keys { get; private set; } = [];

    private Dictionary<string, string> _accounts = [];

    public string? Key { get; private set; }

    public string? ModelName { get; private set; }

    public string? Outcome { get; private set; }

    public string? From { get; private set; }

    public string? To { get; private set; }

    public bool Paged { get; private set; }

    public bool HasOlder { get; private set; }

    public bool HasNewer { get; private set; }

    public async Task OnGetAsync(string? key, string? model, string? outcome, string? from, string? to, string? before, string? after, CancellationToken ct)
    {
        (Key, ModelName, Outcome, From, To) = (key, model, outcome, from, to);
        Paged = !string.IsNullOrWhiteSpace(before) || !string.IsNullOrWhiteSpace(after);
        Keys = (await session.Query<KeyLedger>().OrderBy(k => k.Name).ToListAsync(ct)).ToList();
        _accounts = (await session.Query<UpstreamAccount>().ToListAsync(ct)).ToDictionary(a => a.Id, a => a.Name);
        var (query, error) = RequestQuery.Parse(key, model, outcome, from, to, before, PageSize.ToString(CultureInfo.InvariantCulture));
        if (query is null)
        {
            ShowError(error!);
            return;
        }

        query = query with { After = string.IsNullOrWhiteSpace(after) ? null : after.Trim() };
        if (await query.RunAsync(session, ct) is not { } rows)
        {
            ShowError("That page's request is no longer in the log; showing the newest.");
            rows = await (query with { Before = null, After = null }).RunAsync(session, ct) ?? [];
            Paged = false;
        }

        Rows = rows;
        if (Rows.Count > 0)
        {
            var probe = query with { Limit = 1 };
            HasOlder = (await (probe with { Before = Rows[^1].RequestId, After = null }).RunAsync(session, ct))?.Count > 0;
            HasNewer = Paged && (await (probe with { Before = null, After = Rows[0].RequestId }).RunAsync(session, ct))?.Count > 0;
        }
    }

    /// <summary>This page's filters, with a cursor: <paramref name="before"/> for older rows, <paramref name="after"/> for newer.</summary>
    public string Link(string? before = null, string? after = null) => For(Key, before, after);

    /// <summary>This page's filters narrowed to one key, from the first page.</summary>
    public string KeyLink(string keyId) => For(keyId, null, null);

    public static string Stamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private string For(string? key, string? before, string? after)
    {
        var query = new Dictionary<string, string?>
        {
            ["key"] = key, ["model"] = ModelName, ["outcome"] = Outcome, ["from"] = From, ["to"] = To, ["before"] = before, ["after"] = after,
        };
        return QueryHelpers.AddQueryString("/admin/requests", query.Where(p => !string.IsNullOrWhiteSpace(p.Value)));
    }

    /// <summary>An account by its name (its id is the cell's title); one the log names but the pool no longer has, by id.</summary>
    public string AccountName(string? accountId) => accountId is null ? "—" : _accounts.GetValueOrDefault(accountId, accountId);

    public static string OutcomeBadge(string outcome) => outcome switch
    {
        RequestOutcomes.Completed => "ok",
        RequestOutcomes.Cancelled => "warn",
        _ => "bad",
    };

    public static string Milliseconds(long? ms) =>
        ms is { } v ? v < 1000 ? v.ToString("#,0", CultureInfo.InvariantCulture) + " ms" : (v / 1000m).ToString("0.00", CultureInfo.InvariantCulture) + " s" : "—";
}
