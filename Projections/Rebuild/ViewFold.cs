using JasperFx.Events;
using JasperFx.Events.Aggregation;
using Marten;
using OrProject.Contracts.Events;
using OrProject.Projections.Accounts;
using OrProject.Projections.Keys;
using OrProject.Projections.Requests;
using OrProject.Projections.Settings;
using OrProject.Projections.Usage;

namespace OrProject.Projections.Rebuild;

/// <summary>
/// Every view, folded in memory from the events in log order: the same code as the live projections (Marten's own
/// aggregators for the per-stream views, the projections' <c>Apply</c> methods for the cross-stream ones), so a
/// rebuilt view is what the live one would be. Memory grows with the views (keys, accounts, key-model-days), not
/// with the events, which pass through a page at a time; the request log, a row per request, is written out in batches
/// as it is folded (<see cref="ViewTable.Streamed{T}"/>). Remembers which documents changed since
/// <see cref="MarkWritten"/>, so the switch writes only those.
/// </summary>
internal sealed class ViewFold(IDocumentStore store, IQuerySession session, int checkpointEvery)
{
    private readonly IAggregator<KeyLedger, IQuerySession> _keys = ((StoreOptions)store.Options).Projections.AggregatorFor<KeyLedger>();
    private readonly IAggregator<UpstreamAccount, IQuerySession> _accounts = ((StoreOptions)store.Options).Projections.AggregatorFor<UpstreamAccount>();
    private readonly IAggregator<GatewaySettings, IQuerySession> _settings = ((StoreOptions)store.Options).Projections.AggregatorFor<GatewaySettings>();
    private readonly DailyUsageProjection _daily = new();
    private readonly AccountHealthProjection _health = new();
    private readonly RequestLogProjection _requests = new();
    private readonly IEvent[] _one = new IEvent[1];
    private readonly Dictionary<string, (DateTimeOffset Min, DateTimeOffset Max)> _keyTimestamps = new(StringComparer.Ordinal);

    public ViewSet<KeyLedger> Keys { get; } = new();

    public ViewSet<UpstreamAccount> Accounts { get; } = new();

    public ViewSet<GatewaySettings> Settings { get; } = new();

    public ViewSet<DailyUsage> DailyUsage { get; } = new();

    public ViewSet<AccountHealth> AccountHealth { get; } = new();

    public ViewSet<KeyCheckpoint> Checkpoints { get; } = new();

    /// <summary>The request log: unlike the other views, one document per request, held only until written.</summary>
    public ViewSet<RequestLogEntry> Requests { get; } = new();

    /// <summary>The sequence number of the last event folded.</summary>
    public long Position { get; private set; }

    public long Events { get; private set; }

    public async ValueTask ApplyAsync(IEvent e, CancellationToken cancellationToken)
    {
        if (e.Sequence <= Position)
        {
            throw new InvalidOperationException($"Event {e.Sequence} arrived after {Position}: the fold reads the log in order.");
        }

        _one[0] = e;
        switch (e.Data)
        {
            case KeyIssued or KeyDisabled or KeyEnabled or BudgetChanged or KeyLimitsChanged or UsageRecorded or BudgetHoldExpired or BudgetHoldReleased:
                var ledger = await _keys.BuildAsync(_one, session, Keys.Find(e.StreamKey!), cancellationToken);
                Keys.Put(e.StreamKey!, ledger!);
                Checkpoint(e, ledger!);
                if (e.Data is UsageRecorded usage)
                {
                    var day = DailyUsage.Find(Usage.DailyUsage.IdOf(usage)) ?? new Usage.DailyUsage();
                    _daily.Apply(day, usage);
                    DailyUsage.Put(day.Id, day);
                    _health.Apply(Health(usage.AccountId), usage);
                    _requests.Apply(Request(usage.RequestId), usage);
                }
                else if (e.Data is BudgetHoldReleased released)
                {
                    _requests.Apply(Request(released.RequestId), released);
                }
                else if (e.Data is BudgetHoldExpired expired)
                {
                    _requests.Apply(Request(expired.RequestId), expired);
                }

                break;

            case AccountAdded or AccountRotated or AccountCooledDown or AccountRestored or AccountDisabled or AccountEnabled:
                var account = await _accounts.BuildAsync(_one, session, Accounts.Find(e.StreamKey!), cancellationToken);
                Accounts.Put(e.StreamKey!, account!);
                if (e.Data is AccountAdded added)
                {
                    _health.Apply(Health(added.AccountId), added);
                }
                else if (e.Data is AccountRotated rotated)
                {
                    _health.Apply(Health(rotated.AccountId), rotated);
                }

                break;

            case SettingsChanged or PriceTableChanged:
                var settings = await _settings.BuildAsync(_one, session, Settings.Find(e.StreamKey!), cancellationToken);
                Settings.Put(e.StreamKey!, settings!);
                break;

            case Tombstone:
                break; // Marten's filler for the sequence numbers of a failed append: no view reads it

            default:
                throw new InvalidOperationException(
                    $"Event {e.Sequence} is a {e.EventTypeName}, which no view folds: a rebuild that skipped it would not equal the log.");
        }

        Position = e.Sequence;
        Events++;
    }

    /// <summary>Every event up to <paramref name="sequence"/> is folded (the ones not seen were gaps).</summary>
    public void Reached(long sequence) => Position = Math.Max(Position, sequence);

    /// <summary>Forgets which documents changed: they are all written.</summary>
    public void MarkWritten()
    {
        Keys.MarkWritten();
        Accounts.MarkWritten();
        Settings.MarkWritten();
        DailyUsage.MarkWritten();
        AccountHealth.MarkWritten();
        Checkpoints.MarkWritten();
        Requests.MarkWritten();
    }

    private AccountHealth Health(string accountId)
    {
        var view = AccountHealth.Find(accountId) ?? new AccountHealth();
        AccountHealth.Put(accountId, view);
        return view;
    }

    private RequestLogEntry Request(string requestId)
    {
        var row = Requests.Find(requestId) ?? new RequestLogEntry();
        Requests.Put(requestId, row);
        return row;
    }

    private void Checkpoint(IEvent e, KeyLedger ledger)
    {
        // The interval's earliest timestamp, and the latest of the whole stream so far (see KeyCheckpoint).
        var key = e.StreamKey!;
        var (min, max) = _keyTimestamps.TryGetValue(key, out var seen) ? seen : (DateTimeOffset.MaxValue, DateTimeOffset.MinValue);
        min = e.Timestamp < min ? e.Timestamp : min;
        max = e.Timestamp > max ? e.Timestamp : max;
        if (e.Version % checkpointEvery == 0)
        {
            // A copy: the ledger goes on changing as the fold goes on.
            var checkpoint = new KeyCheckpoint
            {
                Id = KeyCheckpoint.IdFor(key, e.Version), KeyId = key, Version = e.Version, MinTimestamp = min, MaxTimestamp = max, Ledger = ledger.Copy(),
            };
            Checkpoints.Put(checkpoint.Id, checkpoint);
            min = DateTimeOffset.MaxValue;
        }

        _keyTimestamps[key] = (min, max);
    }
}

/// <summary>One view's documents by id, and the ids changed since they were last written.</summary>
internal sealed class ViewSet<T>
    where T : class
{
    private readonly Dictionary<string, T> _documents = new(StringComparer.Ordinal);
    private readonly HashSet<string> _changed = new(StringComparer.Ordinal);

    public int Count => _documents.Count;

    public IReadOnlyDictionary<string, T> All => _documents;

    public IEnumerable<KeyValuePair<string, T>> Changed => _changed.Select(id => KeyValuePair.Create(id, _documents[id]));

    public int ChangedCount => _changed.Count;

    public T? Find(string id) => _documents.GetValueOrDefault(id);

    public void Put(string id, T document)
    {
        _documents[id] = document;
        _changed.Add(id);
    }

    public void MarkWritten() => _changed.Clear();

    /// <summary>Drops every document: they are written, and nothing folded later needs them.</summary>
    public void Forget()
    {
        _documents.Clear();
        _changed.Clear();
    }
}
