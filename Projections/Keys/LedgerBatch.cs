using Marten;
using OrProject.Contracts.Events;
using OrProject.Projections.Rebuild;

namespace OrProject.Projections.Keys;

/// <summary>A write that moves a key's budget, as <see cref="KeyLedgerWriter"/> queues it.</summary>
internal abstract record LedgerCommand(string KeyId)
{
    public sealed record Hold(BudgetHold Value) : LedgerCommand(Value.KeyId);

    public sealed record Record(UsageRecorded Usage) : LedgerCommand(Usage.KeyId);

    public sealed record Release(BudgetHoldReleased Event) : LedgerCommand(Event.KeyId);

    public sealed record Expire(string KeyId, string RequestId, DateTimeOffset Now) : LedgerCommand(KeyId);
}

internal sealed record PendingWrite(LedgerCommand Command, TaskCompletionSource<object?> Done);

/// <summary>
/// One transaction for the queued writes of one or more keys (group commit), in three round trips: one batch of reads
/// (the keys' stream rows locked in key order with <c>FetchForExclusiveWriting</c>, their ledgers, open holds and the
/// charges' receipts), the writes, the commit. A batch that may append events takes the views lock first (one more),
/// and keys with rate limits add a read of their rate windows. Every writer in every process locks keys in that
/// order, so two batches sharing keys wait for each other instead of deadlocking. Every command is decided against its
/// own key in the order it was queued; results are in the batch's order.
/// </summary>
internal static class LedgerBatch
{
    public static bool OnlyHolds(IReadOnlyList<PendingWrite> batch)
    {
        foreach (var pending in batch)
        {
            if (pending.Command is not LedgerCommand.Hold)
            {
                return false;
            }
        }

        return true;
    }

    public static async Task<object?[]> WriteAsync(IDocumentStore store, IReadOnlyList<PendingWrite> batch)
    {
        await using var session = store.LightweightSession();
        if (!OnlyHolds(batch))
        {
            // This batch may append events (a charge, an expiry); holds alone do not, and need not wait for a
            // rebuild's switch.
            await session.BeginAppendAsync();
        }
        else
        {
            await session.BeginTransactionAsync(CancellationToken.None);
        }

        var (keys, charged) = await ReadAsync(session, batch);
        var results = new object?[batch.Count];
        var changed = false;
        for (var i = 0; i < batch.Count; i++)
        {
            results[i] = Decide(session, keys[batch[i].Command.KeyId], batch[i].Command, charged, ref changed);
        }

        if (changed)
        {
            await session.SaveChangesAsync();
        }

        return results;
    }

    /// <summary>
    /// Every read in one round trip: the keys' row locks and ledgers, then what the decisions need. Each key's state,
    /// and the requests of the batch's charges that were charged already.
    /// </summary>
    private static async Task<(Dictionary<string, KeyState> Keys, HashSet<string> Charged)> ReadAsync(IDocumentSession session,
        IReadOnlyList<PendingWrite> batch)
    {
        var keyIds = batch.Select(p => p.Command.KeyId).Distinct().Order(StringComparer.Ordinal).ToArray();
        var reads = session.CreateBatchQuery();
        var streams = keyIds.Select(reads.Events.FetchForExclusiveWriting<KeyLedger>).ToArray();
        // The holds only of keys whose decisions need them; a batch of charges just deletes its own.
        var needHolds = batch.Where(p => p.Command is not LedgerCommand.Record).Select(p => p.Command.KeyId).Distinct().ToArray();
        var openHolds = needHolds.Length == 0 ? null : reads.Query(new OpenHoldsOfKeys { KeyIds = needHolds });
        var recordIds = batch.Select(p => p.Command).OfType<LedgerCommand.Record>().Select(r => r.Usage.RequestId).Distinct().ToArray();
        var receipts = recordIds.Length == 0 ? null : reads.LoadMany<UsageReceipt>().ById(recordIds);
        await reads.Execute();

        var keys = new Dictionary<string, KeyState>(keyIds.Length, StringComparer.Ordinal);
        for (var i = 0; i < keyIds.Length; i++)
        {
            keys[keyIds[i]] = new KeyState(keyIds[i], await streams[i]);
        }

        foreach (var keyId in needHolds)
        {
            keys[keyId].Holds = new Dictionary<string, BudgetHold>(StringComparer.Ordinal);
        }

        foreach (var hold in openHolds is null ? [] : await openHolds)
        {
            var key = keys[hold.KeyId];
            key.Holds![hold.Id] = hold;
            key.Reserved += hold.AmountUsd;
        }

        var charged = receipts is null ? new HashSet<string>(StringComparer.Ordinal) : (await receipts).Select(r => r.Id).ToHashSet(StringComparer.Ordinal);

        // The rate windows of keys with rpm or tpm that this batch holds or charges for: a read of its own, which only
        // keys with those limits pay for.
        var windowed = keys.Values
            .Where(k => k.Ledger is { Rpm: not null } or { Tpm: not null } &&
                        batch.Any(p => p.Command is LedgerCommand.Hold or LedgerCommand.Record && p.Command.KeyId == k.Id))
            .ToList();
        if (windowed.Count > 0)
        {
            var windows = (await session.LoadManyAsync<KeyRateWindow>(windowed.Select(k => k.Id))).ToDictionary(w => w.Id, StringComparer.Ordinal);
            foreach (var key in windowed)
            {
                key.Window = windows.GetValueOrDefault(key.Id) ?? KeyRateWindow.Full(key.Id);
                key.Window.ResetUnlimited(key.Ledger!.Rpm, key.Ledger.Tpm);
            }
        }

        return (keys, charged);
    }

    private static object? Decide(IDocumentSession session, KeyState key, LedgerCommand command, HashSet<string> charged, ref bool changed)
    {
        var ledger = key.Ledger;
        var window = key.Window;
        switch (command)
        {
            case LedgerCommand.Hold { Value: var hold }:
                var holds = key.Holds!;
                var known = ledger is { Disabled: false };
                var spent = key.Current?.SpentInPeriod(hold.At) ?? 0m;
                var again = known && holds.ContainsKey(hold.Id);
                var limited = known && !again ? KeyLimitDecision.Decide(key.Current!, window, holds.Count, hold.At) : null;
                var fits = again || (known && limited is null && spent + key.Reserved + hold.AmountUsd <= ledger!.BudgetUsd);
                RateLimitState? rates = null;
                if (fits && holds.TryAdd(hold.Id, hold))
                {
                    session.Store(hold);
                    key.Reserved += hold.AmountUsd;
                    if (window is not null && ledger!.Rpm is { } rpm)
                    {
                        window.TakeRequest(rpm, hold.At);
                        session.Store(window);
                    }

                    rates = KeyLimitDecision.State(key.Current!, window, hold.At);
                    changed = true;
                }

                return new HoldResult(fits, known, ledger?.BudgetUsd ?? 0m, spent, key.Reserved, limited, rates);

            case LedgerCommand.Record { Usage: var usage }:
                if (!charged.Add(usage.RequestId))
                {
                    return false;
                }

                key.Stream.AppendOne(usage);
                session.Store(new UsageReceipt { Id = usage.RequestId, KeyId = usage.KeyId, CostUsd = usage.CostUsd, At = usage.At });
                session.Delete<BudgetHold>(usage.RequestId);
                key.Current?.Apply(usage);
                if (window is not null && ledger!.Tpm is { } tpm)
                {
                    window.TakeTokens(tpm, usage.InputTokens + usage.CacheCreationTokens + usage.OutputTokens, usage.At);
                    session.Store(window);
                }

                if (key.Holds is not null && key.Holds.Remove(usage.RequestId, out var settled))
                {
                    key.Reserved -= settled.AmountUsd;
                }

                changed = true;
                return true;

            case LedgerCommand.Release { Event: var release }:
                if (key.Holds!.Remove(release.RequestId, out var released))
                {
                    session.Delete<BudgetHold>(release.RequestId);
                    key.Stream.AppendOne(release with { AmountUsd = released.AmountUsd, HeldAt = released.At });
                    key.Reserved -= released.AmountUsd;
                    changed = true;
                }

                return null;

            case LedgerCommand.Expire { RequestId: var requestId, Now: var now }:
                var expired = key.Holds!.TryGetValue(requestId, out var stale) && stale.ExpiresAt <= now;
                if (expired)
                {
                    key.Holds.Remove(requestId);
                    session.Delete<BudgetHold>(requestId);
                    key.Stream.AppendOne(new BudgetHoldExpired(requestId, key.Id, stale!.AmountUsd, stale.At, now));
                    key.Reserved -= stale.AmountUsd;
                    changed = true;
                }

                return expired;

            default:
                throw new InvalidOperationException($"Unknown ledger command {command.GetType().Name}.");
        }
    }

    /// <summary>One key's part of the batch: its locked stream, and what the batch's decisions so far left of it.</summary>
    private sealed class KeyState(string id, JasperFx.Events.IEventStream<KeyLedger> stream)
    {
        public string Id { get; } = id;

        public JasperFx.Events.IEventStream<KeyLedger> Stream { get; } = stream;

        /// <summary>The ledger as the batch found it (null for an unknown key).</summary>
        public KeyLedger? Ledger { get; } = stream.Aggregate;

        /// <summary>A copy, charged as the batch goes, so that each hold reads the spend of its own period.</summary>
        public KeyLedger? Current { get; } = stream.Aggregate?.Copy();

        public KeyRateWindow? Window { get; set; }

        /// <summary>The key's open holds by request id, when the batch read them; updated as the batch decides.</summary>
        public Dictionary<string, BudgetHold>? Holds { get; set; }

        /// <summary>What <see cref="Holds"/> add up to.</summary>
        public decimal Reserved { get; set; }
    }
}
