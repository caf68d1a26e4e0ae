using System.ComponentModel.DataAnnotations;

namespace OrProject.Api.Return;

/// <summary>
/// The edge's internal endpoint, where workers stream generations back (HTTP/2, gRPC). Never a public route: it listens
/// on its own port, on loopback unless told otherwise, and every call must carry the workers' shared secret.
/// </summary>
public sealed class ReturnChannelOptions
{
    public const string Section = "ReturnChannel";

    /// <summary>The port (<c>ORP_INTERNAL_PORT</c>); unset, the public port + 1 (0 when that is 0: any free port).</summary>
    public int? Port { get; set; }

    /// <summary>The address it listens on (<c>ORP_INTERNAL_BIND</c>); loopback unless workers run on other hosts.</summary>
    public string Bind { get; set; } = "127.0.0.1";

    /// <summary>The host workers reach this edge by (<c>ORP_INTERNAL_HOST</c>), put in every dispatch.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>The workers' shared secret (<c>ORP_INTERNAL_TOKEN</c>; <c>./orp</c> keeps one in its data directory).</summary>
    [Required(ErrorMessage = "ReturnChannel:Token (ORP_INTERNAL_TOKEN), the secret workers present to the edge, is not set.")]
    [MinLength(16, ErrorMessage = "ReturnChannel:Token (ORP_INTERNAL_TOKEN) must be at least 16 characters.")]
    public string Token { get; set; } = "";
}
