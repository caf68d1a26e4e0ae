using Npgsql;

namespace OrProject.Projections.Rebuild;

/// <summary>A view's documents and its next table.</summary>
internal abstract class ViewTable(ShadowTable shadow)
{
    public ShadowTable Shadow { get; } = shadow;

    public abstract int Count { get; }

    public abstract Task CopyAllAsync(NpgsqlConnection connection, CancellationToken cancellationToken);

    public abstract Task UpsertChangedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken);

    /// <summary>Before the fold: a view written as it is folded gets its next table now.</summary>
    public virtual Task StartAsync(NpgsqlConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>During the fold: a view written as it is folded writes out what it holds once that is a batch.</summary>
    public virtual Task FlushIfFullAsync(NpgsqlConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Writes the whole view into its next table, created empty first.</summary>
    public class Of<T>(ShadowTable shadow, ViewSet<T> set, Func<T, string> json) : ViewTable(shadow)
        where T : class
    {
        protected ViewSet<T> Set { get; } = set;

        protected Func<T, string> Json { get; } = json;

        public override int Count => Set.Count;

        public override async Task CopyAllAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
        {
            await Shadow.CreateAsync(connection, cancellationToken);
            await Shadow.CopyAsync(connection, Set.All, Json, cancellationToken);
        }

        public override Task UpsertChangedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
            Shadow.UpsertAsync(connection, transaction, Set.Changed, Json, cancellationToken);
    }

    /// <summary>
    /// A view with a document per request, written to its next table in batches as the fold goes and then forgotten,
    /// so that a rebuild holds a batch of them, not the whole log's. A document folded again after it was written (a
    /// charge that came after its hold was released or expired) replaces the written one: every document's last state
    /// is written, in log order, the same as the live projection's. What changes after the batches are written goes
    /// in the switch, as for any view.
    /// </summary>
    public sealed class Streamed<T>(ShadowTable shadow, ViewSet<T> set, Func<T, string> json, int batch) : Of<T>(shadow, set, json)
        where T : class
    {
        private int _written;

        /// <summary>Documents written, counting one written again as two.</summary>
        public override int Count => _written + Set.Count;

        public override async Task StartAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
        {
            await Shadow.CreateAsync(connection, cancellationToken);
            await Shadow.IndexIdsWhileFillingAsync(connection, cancellationToken);
        }

        public override Task FlushIfFullAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
            Set.Count >= batch ? FlushAsync(connection, cancellationToken) : Task.CompletedTask;

        public override async Task CopyAllAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
        {
            await FlushAsync(connection, cancellationToken);
            await Shadow.DropFillingIndexAsync(connection, cancellationToken); // the serving table's indexes come next
        }

        private async Task FlushAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
        {
            await Shadow.UpsertAsync(connection, null, Set.All, Json, cancellationToken);
            _written += Set.Count;
            Set.Forget();
        }
    }
}
