using System.Text.Encodings.Web;
using System.Text.Json;

namespace OrProject.Admin.Events;

internal static class EventJson
{
    /// <summary>camelCase like the rest of the API, with text left readable (no <c>\u2026</c> for "…") in exports.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerOptions.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
