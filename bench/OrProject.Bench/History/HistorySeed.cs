using Marten;
using Npgsql;
using OrProject.Contracts.Events;
using OrProject.Projections.Keys;
using OrProject.Projections.Rebuild;

namespace OrProject.Bench.History;

/// <summary>The history `./orp bench history` measures, written through the gateway's own store code.</summary>
internal static class HistorySeed
{
    /// <summary>
    /// Keys with usage spread over ten days, appended as the gateway would (under the views lock, in batches); the
    /// async projections are then told the history is behind them, as on a system that had followed it all along,
    /// so the rebuild is what builds their views of it.
    /// </summary>
    public static async Task<string> SeedAsync(IDocumentStore store, NpgsqlDataSource dataSource, string schema, int keys, int events, int hot)
    {
        var start = DateTimeOffset.UtcNow.AddDays(-10);
        var perKey = Math.Max(1, (events - hot) / Math.Max(1, keys - 1));
        var ids = Enumerable.Range(0, keys).Select(_ => ApiKeys.NewKeyId()).ToArray();
        var next = -1;
        async Task Writer()
        {
            int k;
            while ((k = Interlocked.Increment(ref next)) < keys)
            {
                var id = ids[k];
                var count = k == 0 ? hot : perKey;
                for (var from = 0; from < count; from += 10_000)
                {
                    await using var session = store.LightweightSession();
                    await session.BeginAppendAsync();
                    var batch = new List<object>();
                    if (from == 0)
                    {
                        batch.Add(new KeyIssued(id, $"history-{k}", ApiKeys.Hash(id), "sk-orp-hist", 1_000_000m, "bench", start));
                    }

                    for (var i = Math.Max(from, 1); i < Math.Min(count, from + 10_000); i++)
                    {
                        var at = start.AddSeconds(864_000.0 * i / count);
                        batch.Add(new UsageRecorded($"req_{id}_{i}", id, "claude-sonnet-4-5", i % 4 == 0 ? "claude-haiku-4-5" : "claude-sonnet-4-5",
                            "acct_history", 800 + i % 400, 120 + i % 90, i % 7 == 0 ? 1024 : 0, i % 3 == 0 ? 2048 : 0, 0.0002m * (1 + i % 13), "completed", at));
                    }

                    if (from == 0)
                    {
                        session.Events.StartStream<KeyLedger>(id, batch);
                    }
                    else
                    {
                        session.Events.Append(id, batch);
                    }

                    await session.SaveChangesAsync();
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(Writer)));
        var mark = await HistoryRun.ScalarAsync(dataSource, $"select max(seq_id) from \"{schema}\".mt_events");
        await using var command = dataSource.CreateCommand($"""
            update "{schema}".mt_event_progression set last_seq_id = greatest(last_seq_id, {mark}) where name <> 'HighWaterMark'
            """);
        await command.ExecuteNonQueryAsync();
        return ids[0];
    }
}
