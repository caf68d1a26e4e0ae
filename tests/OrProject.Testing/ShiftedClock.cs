namespace OrProject.Testing;

/// <summary>
/// The system's time moved by <see cref="Offset"/>, for end-to-end tests that must cross a UTC day or month while real
/// hosts run: only the wall clock moves (<see cref="GetUtcNow"/>); timestamps and timers stay real, so timeouts, cache
/// freshness and the worker's polling behave as in production. Unit tests use <c>FakeTimeProvider</c> instead.
/// </summary>
public sealed class ShiftedClock : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));
        set => Interlocked.Exchange(ref _offsetTicks, value.Ticks);
    }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;

    /// <summary>Moves the clock so that it reads <paramref name="at"/> now.</summary>
    public void Set(DateTimeOffset at) => Offset = at - System.GetUtcNow();
}
