namespace OrProject.Protocols.Canonical;

/// <summary>Thrown inside a request translation and caught at its entry point, which returns it as a 400.</summary>
internal sealed class RequestValidationException(string message, string? param) : Exception(message)
{
    public string? Param { get; } = param;
}
