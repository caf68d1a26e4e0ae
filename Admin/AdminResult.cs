namespace OrProject.Admin;

/// <summary>
/// What an admin command did: the JSON API turns it into 200/400/404, the pages into a message. Both call the same
/// command, so a rule lives in one place.
/// </summary>
internal readonly record struct AdminResult<T>(T? Value, string? Error, bool NotFound)
{
    public bool Succeeded => Error is null;

    public static AdminResult<T> Ok(T value) => new(value, null, false);

    public static AdminResult<T> Invalid(string message) => new(default, message, false);

    public static AdminResult<T> Missing(string message) => new(default, message, true);
}
