using Npgsql;

namespace OrProject.Projections.Rebuild;

/// <summary>A view's documents and its next table.</summary>
internal abstract class ViewTable(ShadowTable shadow)
{
    public ShadowTable Shadow { get; } = shadow;

    public abstract int Count { get; }

    public abstract Task CopyAllAsync(NpgsqlConnection connection, CancellationToken cancellationToken);

    public abstract Task UpsertChangedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken);

    public sealed class Of<T>(ShadowTable shadow, ViewSet<T> set, Func<T, string> json) : ViewTable(shadow)
        where T : class
    {
        public override int Count => set.Count;

        public override Task CopyAllAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
            Shadow.CopyAsync(connection, set.All, json, cancellationToken);

        public override Task UpsertChangedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) =>
            Shadow.UpsertAsync(connection, transaction, set.Changed, json, cancellationToken);
    }
}
