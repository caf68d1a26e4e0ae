using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using OrProject.Worker.Accounts;

namespace OrProject.Worker.Tests.Accounts;

public sealed class AccountCircuitsTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));

    private AccountCircuits Circuits(int consecutive = 5, double ratio = 0.5, int minimum = 10, int window = 60) =>
        new(_clock, Options.Create(new PoolOptions
        {
            CircuitConsecutiveFailures = consecutive,
            CircuitFailureRatio = ratio,
            CircuitMinimumCalls = minimum,
            CircuitWindowSeconds = window,
        }));

    [Fact]
    public void Failed_OnceOrTwice_CircuitStaysClosed()
    {
        var circuits = Circuits();

        Assert.Null(circuits.Failed("a"));
        Assert.Null(circuits.Failed("a"));
    }

    [Fact]
    public void Failed_FiveInARow_OpensWithTheReason()
    {
        var circuits = Circuits();
        for (var i = 0; i < 4; i++)
        {
            Assert.Null(circuits.Failed("a"));
        }

        Assert.Equal("circuit open: 5 consecutive failures", circuits.Failed("a"));
        Assert.Null(circuits.Failed("a")); // counting starts afresh once open
        Assert.Null(circuits.Failed("b")); // each account on its own
    }

    [Fact]
    public void Succeeded_BetweenFailures_BreaksTheRun()
    {
        var circuits = Circuits(minimum: 1000);
        for (var i = 0; i < 20; i++)
        {
            Assert.Null(circuits.Failed("a"));
            Assert.Null(circuits.Failed("a"));
            circuits.Succeeded("a");
        }
    }

    [Fact]
    public void Failed_HalfOfTheCallsInTheWindow_OpensOnTheRate()
    {
        var circuits = Circuits(consecutive: 100, ratio: 0.5, minimum: 10);
        string? opened = null;
        for (var i = 0; i < 5 && opened is null; i++)
        {
            circuits.Succeeded("a");
            opened = circuits.Failed("a");
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal("circuit open: 5 of 10 calls failed in 60 s", opened);
    }

    [Fact]
    public void Failed_OldFailuresOutsideTheWindow_DoNotCount()
    {
        var circuits = Circuits(consecutive: 100, ratio: 0.5, minimum: 10, window: 60);
        for (var i = 0; i < 9; i++)
        {
            Assert.Null(circuits.Failed("a"));
        }

        _clock.Advance(TimeSpan.FromSeconds(61));
        for (var i = 0; i < 9; i++)
        {
            circuits.Succeeded("a");
        }

        Assert.Null(circuits.Failed("a")); // 1 of 10 in the window
    }

    [Fact]
    public void TryProbe_OneAtATime_FreedWhenDone()
    {
        var circuits = Circuits();

        var probe = circuits.TryProbe("a");
        Assert.NotNull(probe);
        Assert.True(circuits.Probing("a"));
        Assert.Null(circuits.TryProbe("a"));
        Assert.NotNull(circuits.TryProbe("b"));

        probe.Dispose();
        Assert.False(circuits.Probing("a"));
        using var next = circuits.TryProbe("a");
        Assert.NotNull(next);
        probe.Dispose(); // twice is harmless: it must not free the next request's probe
        Assert.True(circuits.Probing("a"));
    }
}
