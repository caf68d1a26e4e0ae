namespace OrProject.Testing;

/// <summary>Polling for what the system does in the background (async views, settlements), bounded so a broken system fails instead of hanging.</summary>
public static class Eventually
{
    /// <summary>Reads until <paramref name="condition"/> holds or <paramref name="timeoutMs"/> passes; returns the last value read.</summary>
    public static async Task<T> ReadAsync<T>(Func<Task<T>> read, Func<T, bool> condition, int timeoutMs = 10_000, int pollMs = 50)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (true)
        {
            var value = await read();
            if (condition(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(pollMs);
        }
    }
}
