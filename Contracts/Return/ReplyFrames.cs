using System.Text.Json;
using Google.Protobuf;
using OrProject.Contracts.Events;
using OrProject.Contracts.Messaging;

namespace OrProject.Contracts.Return;

/// <summary>
/// The replies of a generation as return-channel frames and back. Event data travels as the upstream's UTF-8 bytes
/// (no JSON parsing on either side); the request id is the call's, not the frame's.
/// </summary>
public static class ReplyFrames
{
    public static ReplyFrame ToFrame(IGenerationReply reply) => reply switch
    {
        GenerationStarted s => new ReplyFrame { Seq = s.Seq, Started = new Started { WorkerId = s.WorkerId } },
        GenerationChunk c => new ReplyFrame { Seq = c.Seq, Chunk = Chunk(c) },
        GenerationCompleted c => new ReplyFrame { Seq = c.Seq, Completed = Completed(c) },
        GenerationFailed f => new ReplyFrame { Seq = f.Seq, Failed = Failed(f) },
        _ => throw new ArgumentException($"Not a reply the return channel carries: {reply.GetType().Name}", nameof(reply)),
    };

    /// <summary>The reply a frame carries, for <paramref name="requestId"/>; null for a frame with none (from a newer worker).</summary>
    public static IGenerationReply? FromFrame(string requestId, ReplyFrame frame) => frame.ReplyCase switch
    {
        ReplyFrame.ReplyOneofCase.Started => new GenerationStarted(requestId, frame.Seq, frame.Started.WorkerId),
        ReplyFrame.ReplyOneofCase.Chunk => new GenerationChunk(requestId, frame.Seq, Events(frame.Chunk.Events),
            frame.Chunk.AccountId.Length > 0 ? frame.Chunk.AccountId : null),
        ReplyFrame.ReplyOneofCase.Completed => new GenerationCompleted(requestId, frame.Seq, Usage(frame.Completed.Usage),
            frame.Completed.HasStopReason ? frame.Completed.StopReason : null, Events(frame.Completed.Events),
            Charge(frame.Completed.Charge)),
        ReplyFrame.ReplyOneofCase.Failed => new GenerationFailed(requestId, frame.Seq, Error(frame.Failed), frame.Failed.WorkerLost),
        _ => null,
    };

    public static bool IsFinal(IGenerationReply reply) => reply is GenerationCompleted or GenerationFailed;

    private static Chunk Chunk(GenerationChunk c)
    {
        var chunk = new Chunk { AccountId = c.AccountId ?? "" };
        AddEvents(chunk.Events, c.Events);
        return chunk;
    }

    private static Completed Completed(GenerationCompleted c)
    {
        var completed = new Completed
        {
            Usage = new Usage
            {
                InputTokens = c.Usage.InputTokens,
                OutputTokens = c.Usage.OutputTokens,
                CacheCreationInputTokens = c.Usage.CacheCreationInputTokens,
                CacheReadInputTokens = c.Usage.CacheReadInputTokens,
                CacheCreation1HInputTokens = c.Usage.CacheCreation1hInputTokens,
                WebSearchRequests = c.Usage.WebSearchRequests,
            },
        };
        if (c.StopReason is not null)
        {
            completed.StopReason = c.StopReason;
        }

        AddEvents(completed.Events, c.Events ?? []);
        if (c.Charge is not null)
        {
            completed.Charge = ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(c.Charge, ChargeJson));
        }

        return completed;
    }

    /// <summary>The charge a completed frame carries; null when it carries none.</summary>
    private static UsageRecorded? Charge(ByteString charge) =>
        charge.IsEmpty ? null : JsonSerializer.Deserialize<UsageRecorded>(charge.Span, ChargeJson);

    private static readonly JsonSerializerOptions ChargeJson = new(JsonSerializerDefaults.Web);

    private static Failed Failed(GenerationFailed f)
    {
        var failed = new Failed { Status = f.Error.Status, Type = f.Error.Type, Message = f.Error.Message, WorkerLost = f.WorkerLost };
        if (f.Error.UpstreamBody is not null)
        {
            failed.UpstreamBody = f.Error.UpstreamBody;
        }

        if (f.Error.RetryAfterSeconds is { } seconds)
        {
            failed.RetryAfterSeconds = seconds;
        }

        return failed;
    }

    private static GenerationError Error(Failed f) => new(f.Status, f.Type, f.Message,
        f.HasUpstreamBody ? f.UpstreamBody : null, f.HasRetryAfterSeconds ? f.RetryAfterSeconds : null);

    private static TokenUsage Usage(Usage? u) => u is null
        ? TokenUsage.Zero
        : new TokenUsage(u.InputTokens, u.OutputTokens, u.CacheCreationInputTokens, u.CacheReadInputTokens,
            u.CacheCreation1HInputTokens, u.WebSearchRequests);

    private static void AddEvents(Google.Protobuf.Collections.RepeatedField<Event> target, IReadOnlyList<SseEvent> events)
    {
        foreach (var item in events)
        {
            target.Add(new Event { Name = item.Event, Data = ByteString.CopyFromUtf8(item.Data) });
        }
    }

    private static SseEvent[] Events(Google.Protobuf.Collections.RepeatedField<Event> events)
    {
        var result = new SseEvent[events.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = new SseEvent(events[i].Name, events[i].Data.ToStringUtf8());
        }

        return result;
    }
}
