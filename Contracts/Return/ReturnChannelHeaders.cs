namespace OrProject.Contracts.Return;

/// <summary>The return channel's call metadata, named once for both of its sides.</summary>
public static class ReturnChannelHeaders
{
    /// <summary>The request a worker's call delivers to.</summary>
    public const string RequestId = "orp-request-id";

    /// <summary>The capability the edge put in that request's dispatch.</summary>
    public const string Capability = "orp-capability";

    /// <summary>
    /// The edge's response header that tells a worker whose dispatch was sent before its hold was decided that the
    /// request was admitted and it may call the upstream (<c>DispatchGeneration.AdmissionFollows</c>).
    /// </summary>
    public const string Admitted = "orp-admitted";
}
