using System.Diagnostics.Metrics;
using OrProject.Contracts.Events;

namespace OrProject.ServiceDefaults;

/// <summary>
/// The gateway's own instruments (meter <c>OrProject</c>), exported with the framework's at <c>/metrics</c>:
/// requests, tokens and cost, time to first token, queue wait, ledger writes on the request's path and account cooldowns.
/// </summary>
public sealed class GatewayMetrics
{
    public const string MeterName = "OrProject";

    private readonly Counter<long> _requests;
    private readonly Counter<long> _tokens;
    private readonly Counter<double> _cost;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Histogram<double> _queueWait;
    private readonly Histogram<double> _ledgerWrite;
    private readonly Counter<long> _cooldowns;

    public GatewayMetrics(IMeterFactory factory)
    {
        var meter = factory.Create(MeterName);
        _requests = meter.CreateCounter<long>("orp.requests", description: "Client requests answered by the edge, by route and status.");
        _tokens = meter.CreateCounter<long>("orp.tokens", description: "Tokens charged, by model and kind (input, output, cache_write, cache_read).");
        _cost = meter.CreateCounter<double>("orp.cost", unit: "USD", description: "Cost charged (the ledger keeps the exact decimal).");
        _timeToFirstToken = meter.CreateHistogram<double>("orp.time_to_first_token", unit: "ms", description: "From admission to the first event written.");
        _queueWait = meter.CreateHistogram<double>("orp.queue_wait", unit: "ms", description: "From dispatch to a worker taking it.");
        _ledgerWrite = meter.CreateHistogram<double>("orp.ledger_write", unit: "ms",
            description: "A ledger write a request waits for, by kind: its budget hold at admission (edge), its charge before the answer ends (edge; worker when the edge could not, or the generation did not complete).");
        _cooldowns = meter.CreateCounter<long>("orp.account_cooldowns", description: "Upstream accounts cooled down or disabled, by account and status.");
    }

    public void Request(string route, int status) =>
        _requests.Add(1, new KeyValuePair<string, object?>("route", route), new KeyValuePair<string, object?>("status", status));

    /// <summary>
    /// A charge's ledger write took <paramref name="elapsed"/>; when it <paramref name="recorded"/> the charge (not one
    /// recorded before), its tokens and cost count, by the model that served it.
    /// </summary>
    public void ChargeWritten(TimeSpan elapsed, UsageRecorded charge, bool recorded)
    {
        LedgerWrite("charge", elapsed);
        if (!recorded)
        {
            return;
        }

        var m = new KeyValuePair<string, object?>("model", charge.ModelServed);
        _tokens.Add(charge.InputTokens, m, new KeyValuePair<string, object?>("kind", "input"));
        _tokens.Add(charge.OutputTokens, m, new KeyValuePair<string, object?>("kind", "output"));
        _tokens.Add(charge.CacheCreationTokens, m, new KeyValuePair<string, object?>("kind", "cache_write"));
        _tokens.Add(charge.CacheReadTokens, m, new KeyValuePair<string, object?>("kind", "cache_read"));
        _cost.Add((double)charge.CostUsd, m);
    }

    public void FirstToken(TimeSpan elapsed) => _timeToFirstToken.Record(elapsed.TotalMilliseconds);

    public void QueueWait(TimeSpan waited) => _queueWait.Record(Math.Max(0, waited.TotalMilliseconds));

    /// <summary><paramref name="kind"/>: <c>hold</c> or <c>charge</c>.</summary>
    public void LedgerWrite(string kind, TimeSpan elapsed) =>
        _ledgerWrite.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("kind", kind));

    public void Cooldown(string accountId, int status) =>
        _cooldowns.Add(1, new KeyValuePair<string, object?>("account", accountId), new KeyValuePair<string, object?>("status", status));
}
