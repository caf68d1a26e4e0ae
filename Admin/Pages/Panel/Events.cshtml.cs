using System.Text.Encodings.Web;
using System.Text.Json;
using Marten;
using OrProject.Admin.Events;

namespace OrProject.Admin.Pages.Panel;

/// <summary><c>/admin/events?stream=</c>: the raw events of one stream, oldest first, a page at a time.</summary>
internal sealed class EventsModel(IQuerySession session) : AdminPageModel
{
    public const int PageSize = 50;

    // Relaxed escaping keeps "…" and "+00:00" readable; Razor HTML-encodes the text anyway.
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public string? Stream { get; private set; }

    public long After { get; private set; }

    public IReadOnlyList<EventResponse> Events { get; private set; } = [];

    public async Task OnGetAsync(string? stream, long? after, CancellationToken ct)
    {
        Stream = string.IsNullOrWhiteSpace(stream) ? null : stream.Trim();
        After = Math.Max(0, after ?? 0);
        if (Stream is not null)
        {
            Events = await EventQueries.ListAsync(session, Stream, After, PageSize, ct);
        }
    }

    public static string Pretty(JsonElement data) => JsonSerializer.Serialize(data, Indented);

    /// <summary>
    /// The event's data on one line, cut at 120 characters: the row stays one line high (a page of events was
    /// thousands of pixels tall with every body open), and the whole body is one click away.
    /// </summary>
    public static string Summary(JsonElement data)
    {
        var line = data.GetRawText();
        return line.Length <= 120 ? line : line[..119] + "…";
    }
}
