using System.Globalization;
using System.Text;
using System.Text.Json;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace OrProject.Admin.Events;

/// <summary>
/// <c>GET /admin/api/events/export?stream=&amp;from=&amp;to=&amp;format=jsonl|csv</c>: the audit trail of one stream or a
/// time range, streamed page by page so any size of history exports in constant memory.
/// </summary>
internal static class EventExportEndpoints
{
    private const int PageSize = 1000;

    public static RouteGroupBuilder MapEventExport(this RouteGroupBuilder admin)
    {
        admin.MapGet("/events/export", ExportAsync).WithTags("Events");
        return admin;
    }

    private static async Task ExportAsync(HttpContext context, IQuerySession session, string? stream, DateTimeOffset? from, DateTimeOffset? to, string? format)
    {
        var csv = string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase);
        if (format is not null && !csv && !string.Equals(format, "jsonl", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = 400;
            await context.Response.WriteAsJsonAsync(new { type = "error", error = new { type = "invalid_request_error", message = "format: jsonl or csv" } });
            return;
        }

        context.Response.ContentType = csv ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8";
        context.Response.Headers.ContentDisposition = $"attachment; filename=\"events.{(csv ? "csv" : "jsonl")}\"";
        var ct = context.RequestAborted;
        if (csv)
        {
            await context.Response.WriteAsync("seq,stream_id,type,timestamp,data\n", ct);
        }

        long after = 0;
        while (true)
        {
            var query = EventQueries.After(session, stream, after);
            if (from is { } start)
            {
                query = query.Where(e => e.Timestamp >= start);
            }

            if (to is { } end)
            {
                query = query.Where(e => e.Timestamp < end);
            }

            var page = await query.OrderBy(e => e.Sequence).Take(PageSize).ToListAsync(ct);
            var text = new StringBuilder();
            foreach (var e in page)
            {
                var row = EventQueries.ToResponse(e);
                text.Append(csv
                    ? string.Join(',', row.Seq.ToString(CultureInfo.InvariantCulture), Csv(row.StreamId), Csv(row.Type),
                        row.Timestamp.ToString("O", CultureInfo.InvariantCulture), Csv(row.Data.GetRawText())) + "\n"
                    : JsonSerializer.Serialize(row, EventJson.Options) + "\n");
            }

            await context.Response.WriteAsync(text.ToString(), ct);
            if (page.Count < PageSize)
            {
                return;
            }

            after = page[^1].Sequence;
        }
    }

    /// <summary>RFC 4180 quoting: fields with commas, quotes or line breaks are quoted, quotes doubled.</summary>
    private static string Csv(string value) =>
        value.AsSpan().IndexOfAny(",\"\n\r") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
