using OrProject.Contracts.Events;
using OrProject.Projections.Keys;

namespace OrProject.Projections.Tests.Keys;

/// <summary>The pure decision the ledger writer makes under the key's lock.</summary>
public sealed class KeyLimitDecisionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private static KeyLedger Key(int? rpm = null, int? tpm = null, int? maxConcurrency = null) =>
        KeyLedger.Create(new KeyIssued("key_1", "ci", "hash", "sk-orp-ab", 1m, "admin", Now, Rpm: rpm, Tpm: tpm, MaxConcurrency: maxConcurrency));

    [Fact]
    public void NoLimits_NothingDecided_WithoutAWindow()
    {
        Assert.Null(KeyLimitDecision.Decide(Key(), window: null, inFlight: 10_000, Now));
    }

    [Fact]
    public void ConcurrencyAndRequestsBothReached_ConcurrencyFirst_WithTheRequestBucketInItsState()
    {
        var window = KeyRateWindow.Full("key_1");
        window.TakeRequest(1, Now);

        var refusal = KeyLimitDecision.Decide(Key(rpm: 1, maxConcurrency: 1), window, inFlight: 1, Now)!;

        Assert.Equal(LimitKind.Concurrency, refusal.Kind);
        Assert.Equal((1, 0L, Now.AddMinutes(1)), (refusal.State.Rpm, refusal.State.RequestsRemaining, refusal.State.RequestsResetAt));
        Assert.Null(refusal.State.Tpm);
    }

    [Fact]
    public void FreshWindow_FullBuckets_Admitted()
    {
        Assert.Null(KeyLimitDecision.Decide(Key(rpm: 1, tpm: 1, maxConcurrency: 1), KeyRateWindow.Full("key_1"), inFlight: 0, Now));
    }

    [Fact]
    public void LimitRemovedThenSetAgain_BucketStartsFull()
    {
        var used = KeyRateWindow.Full("key_1");
        used.TakeRequest(1, Now); // the minute's one request, taken
        Assert.Equal(LimitKind.Requests, KeyLimitDecision.Decide(Key(rpm: 1), used, inFlight: 0, Now.AddSeconds(1))?.Kind);

        used.ResetUnlimited(rpm: null, tpm: null); // the limit was cleared, then set again

        Assert.Null(KeyLimitDecision.Decide(Key(rpm: 1), used, inFlight: 0, Now.AddSeconds(1)));
    }
}
