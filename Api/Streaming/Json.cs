using System.Text.Encodings.Web;
using System.Text.Json;

namespace OrProject.Api.Streaming;

internal static class Json
{
    /// <summary>Compact JSON that leaves non-ASCII text as it is, as the vendors' APIs write it.</summary>
    public static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
