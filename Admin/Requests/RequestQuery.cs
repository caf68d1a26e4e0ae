using System.Globalization;
using Marten;
using OrProject.Projections.Keys;
using OrProject.Projections.Requests;

namespace OrProject.Admin.Requests;

/// <summary>One row of <c>GET /admin/api/requests</c>: the request log's row, with its key's name.</summary>
public sealed record RequestLogResponse(string RequestId, string KeyId, string? KeyName, string? Protocol, bool? Stream, string ModelRequested,
    string? ModelServed, string? AccountId, long InputTokens, long OutputTokens, long CacheReadTokens, long CacheWriteTokens, decimal CostUsd,
    string Outcome, int? Status, long? TtftMs, long? DurationMs, DateTimeOffset At);

/// <summary>
/// The request log's filters, parsed from the query string the API and the Requests page share; an invalid one names
/// its parameter. <see cref="Before"/> is the request id of the last row already seen: the page of older rows after it.
/// <see cref="After"/> (the page's "newer" link; not in the API) is the first row seen: the newer rows just above it.
/// </summary>
internal sealed record RequestQuery(string? Key, string? Model, string? Outcome, DateTimeOffset? From, DateTimeOffset? To, string? Before, int Limit)
{
    public string? After { get; init; }

    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    /// <summary>The query, or the error that names the parameter at fault.</summary>
    public static (RequestQuery? Query, string? Error) Parse(string? key, string? model, string? outcome, string? from, string? to, string? before,
        string? limit)
    {
        var size = DefaultLimit;
        if (Given(limit) is { } l && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out size) || size is < 1 or > MaxLimit))
        {
            return (null, $"limit: expected a whole number from 1 to {MaxLimit}.");
        }

        if (Given(outcome) is { } o && !RequestOutcomes.All.Contains(o))
        {
            return (null, $"outcome: expected one of {string.Join(", ", RequestOutcomes.All)}.");
        }

        if (!TryInstant(from, out var start))
        {
            return (null, "from: expected an ISO 8601 date or date-time (UTC unless it says otherwise).");
        }

        if (!TryInstant(to, out var end))
        {
            return (null, "to: expected an ISO 8601 date or date-time (UTC unless it says otherwise).");
        }

        return (new RequestQuery(Given(key), Given(model), Given(outcome), start, end, Given(before), size), null);
    }

    /// <summary>
    /// Newest first, keyset-paged on (at, request id): a page never skips or repeats a row however many are written
    /// meanwhile. Null when <see cref="Before"/> names no request in the log.
    /// </summary>
    public async Task<IReadOnlyList<RequestLogResponse>?> RunAsync(IQuerySession session, CancellationToken ct)
    {
        var rows = session.Query<RequestLogEntry>().AsQueryable();
        if (Key is { } key)
        {
            rows = rows.Where(r => r.KeyId == key);
        }

        if (Model is { } model)
        {
            rows = rows.Where(r => r.ModelRequested == model || r.ModelServed == model);
        }

        if (Outcome is { } outcome)
        {
            rows = rows.Where(r => r.Outcome == outcome);
        }

        if (From is { } from)
        {
            rows = rows.Where(r => r.At >= from);
        }

        if (To is { } to)
        {
            rows = rows.Where(r => r.At < to);
        }

        if (Before is { } before)
        {
            if (await session.LoadAsync<RequestLogEntry>(before, ct) is not { } last)
            {
                return null;
            }

            var (at, id) = (last.At, last.Id);
            rows = rows.Where(r => r.At < at || (r.At == at && r.Id.CompareTo(id) < 0));
        }

        IReadOnlyList<RequestLogEntry> page;
        if (After is { } after)
        {
            if (await session.LoadAsync<RequestLogEntry>(after, ct) is not { } first)
            {
                return null;
            }

            var (at, id) = (first.At, first.Id);
            var newer = await rows.Where(r => r.At > at || (r.At == at && r.Id.CompareTo(id) > 0))
                .OrderBy(r => r.At).ThenBy(r => r.Id).Take(Limit).ToListAsync(ct);
            page = newer.Reverse().ToList();
        }
        else
        {
            page = await rows.OrderByDescending(r => r.At).ThenByDescending(r => r.Id).Take(Limit).ToListAsync(ct);
        }

        var keyIds = page.Select(r => r.KeyId).Distinct().ToArray();
        var names = keyIds.Length == 0
            ? new Dictionary<string, string>()
            : (await session.LoadManyAsync<KeyLedger>(ct, keyIds)).ToDictionary(k => k.Id, k => k.Name);
        return page.Select(r => new RequestLogResponse(r.Id, r.KeyId, names.GetValueOrDefault(r.KeyId), r.Protocol, r.Stream, r.ModelRequested,
            r.ModelServed, r.AccountId, r.InputTokens, r.OutputTokens, r.CacheReadTokens, r.CacheWriteTokens, r.CostUsd, r.Outcome, r.Status,
            r.TtftMs, r.DurationMs, r.At)).ToList();
    }

    private static string? Given(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>A date (midnight UTC) or a date-time; without an offset, UTC. Absent is fine.</summary>
    private static bool TryInstant(string? value, out DateTimeOffset? instant)
    {
        instant = null;
        if (Given(value) is not { } text)
        {
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            instant = parsed;
            return true;
        }

        return false;
    }
}
