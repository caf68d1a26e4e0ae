using Marten;
using OrProject.Admin.Audit;

namespace OrProject.Admin.Pages.Panel;

/// <summary><c>/admin/audit</c>: every admin event, newest first, with its actor and the values it changed.</summary>
internal sealed class AuditModel(IQuerySession session) : AdminPageModel
{
    public const int PageSize = 50;

    public IReadOnlyList<AuditEntry> Entries { get; private set; } = [];

    public long? Before { get; private set; }

    public async Task OnGetAsync(long? before, CancellationToken ct)
    {
        Before = before;
        Entries = await AuditTrail.PageAsync(session, before, PageSize, ct);
    }
}
