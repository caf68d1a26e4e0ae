using OrProject.Contracts.Messaging;

namespace OrProject.Worker.Return;

/// <summary>Where one generation's replies go, in order: the edge that holds the client's connection.</summary>
internal interface IReplyChannel
{
    /// <summary>
    /// Sends a reply; the last one (completed or failed) also ends the call. True when the reply was a completion
    /// carrying its charge and the edge recorded that charge; otherwise false, and the charge is the worker's to record.
    /// </summary>
    Task<bool> SendAsync(IGenerationReply reply, CancellationToken cancellationToken);

    /// <summary>Cancelled when the edge ended the call or cannot be reached: nobody reads this generation any more.</summary>
    CancellationToken Broken { get; }
}
