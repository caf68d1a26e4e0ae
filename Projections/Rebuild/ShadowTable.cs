using System.Text.RegularExpressions;
using Npgsql;
using NpgsqlTypes;

namespace OrProject.Projections.Rebuild;

/// <summary>
/// A view's next table, built beside the serving one and swapped in by renaming: <c>t__next</c> is created like
/// <c>t</c> (columns and defaults), filled with COPY, given <c>t</c>'s indexes and primary key under temporary names,
/// then, inside the switch transaction, <c>t</c> becomes <c>t__retired</c> and <c>t__next</c> becomes <c>t</c>, its
/// indexes taking the original names (so Marten's schema check finds what it expects). A rename takes effect for
/// every session at commit, prepared statements included (PostgreSQL re-plans them by name), and holds the table only
/// for the rename itself; readers see the old rows or the new, never a mix.
/// </summary>
internal sealed partial class ShadowTable(string schema, string table, string dotnetType)
{
    private readonly List<Index> _indexes = [];

    public string Table => table;

    private string Live => Qualified(table);

    private string Next => Qualified(table + "__next");

    private string Retired => Qualified(table + "__retired");

    public async Task CreateAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await ExecuteAsync(connection, null, $"""
            drop table if exists {Next};
            drop table if exists {Retired};
            create table {Next} (like {Live} including defaults including generated including storage);
            """, cancellationToken);
    }

    /// <summary>
    /// A unique index on the next table's id while it fills by upserts (a view written as it is folded); dropped
    /// before <see cref="IndexAsync"/> builds the serving table's own.
    /// </summary>
    public Task IndexIdsWhileFillingAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, null, $"create unique index \"{table}__filling\" on {Next} (id)", cancellationToken);

    public Task DropFillingIndexAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, null, $"drop index if exists {Qualified(table + "__filling")}", cancellationToken);

    /// <summary>Writes documents as Marten would: id, JSON, .NET type; the other columns take their defaults.</summary>
    public async Task CopyAsync<T>(NpgsqlConnection connection, IEnumerable<KeyValuePair<string, T>> documents, Func<T, string> json,
        CancellationToken cancellationToken)
    {
        await using var writer = await connection.BeginBinaryImportAsync($"copy {Next} (id, data, mt_dotnet_type) from stdin (format binary)", cancellationToken);
        foreach (var (id, document) in documents)
        {
            await writer.StartRowAsync(cancellationToken);
            await writer.WriteAsync(id, NpgsqlDbType.Varchar, cancellationToken);
            await writer.WriteAsync(json(document), NpgsqlDbType.Jsonb, cancellationToken);
            await writer.WriteAsync(dotnetType, NpgsqlDbType.Varchar, cancellationToken);
        }

        await writer.CompleteAsync(cancellationToken);
    }

    /// <summary>The serving table's indexes and constraints, built on the next table once it is filled (faster than as it fills).</summary>
    public async Task IndexAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        _indexes.Clear();
        await using (var command = new NpgsqlCommand("""
            select i.relname, pg_get_indexdef(i.oid), c.conname, pg_get_constraintdef(c.oid)
            from pg_index x
            join pg_class i on i.oid = x.indexrelid
            left join pg_constraint c on c.conindid = x.indexrelid and c.conrelid = x.indrelid
            where x.indrelid = $1::regclass
            order by i.relname
            """, connection))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = Live });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                _indexes.Add(new Index(reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3), $"{table}__n{_indexes.Count}", $"{table}__r{_indexes.Count}"));
            }
        }

        foreach (var index in _indexes)
        {
            var sql = index.Constraint is not null
                ? $"alter table {Next} add constraint \"{index.Temporary}\" {index.ConstraintDefinition}"
                : IndexHead().Replace(index.Definition, $"CREATE $1INDEX \"{index.Temporary}\" ON {Next} ", 1);
            await ExecuteAsync(connection, null, sql, cancellationToken);
        }

        await ExecuteAsync(connection, null, $"analyze {Next}", cancellationToken);
    }

    /// <summary>Documents changed since the COPY, written in the switch transaction (or, with none, on their own).</summary>
    public async Task UpsertAsync<T>(NpgsqlConnection connection, NpgsqlTransaction? transaction, IEnumerable<KeyValuePair<string, T>> documents,
        Func<T, string> json, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        var data = new List<string>();
        foreach (var (id, document) in documents)
        {
            ids.Add(id);
            data.Add(json(document));
        }

        if (ids.Count == 0)
        {
            return;
        }

        await using var command = new NpgsqlCommand($"""
            insert into {Next} (id, data, mt_dotnet_type)
            select u.id, u.data::jsonb, $3 from unnest($1::varchar[], $2::text[]) as u(id, data)
            on conflict (id) do update set data = excluded.data, mt_last_modified = transaction_timestamp()
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = ids.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = data.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = dotnetType });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Puts the next table in the serving one's place, indexes and constraints renamed to match.</summary>
    public async Task SwapAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var sql = new List<string> { $"alter table {Live} rename to \"{table}__retired\"" };
        sql.AddRange(_indexes.Select(i => i.Constraint is not null
            ? $"alter table {Retired} rename constraint \"{i.Constraint}\" to \"{i.RetiredName}\""
            : $"alter index {Qualified(i.Name)} rename to \"{i.RetiredName}\""));
        sql.Add($"alter table {Next} rename to \"{table}\"");
        sql.AddRange(_indexes.Select(i => i.Constraint is not null
            ? $"alter table {Live} rename constraint \"{i.Temporary}\" to \"{i.Constraint}\""
            : $"alter index {Qualified(i.Temporary)} rename to \"{i.Name}\""));
        await ExecuteAsync(connection, transaction, string.Join(";\n", sql), cancellationToken);
    }

    /// <summary>After the switch: the retired table; after a failure: the unfinished next one.</summary>
    public Task DropLeftoversAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        ExecuteAsync(connection, null, $"drop table if exists {Retired}; drop table if exists {Next}", cancellationToken);

    private string Qualified(string name) => $"\"{schema}\".\"{name}\"";

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [GeneratedRegex(@"^CREATE (UNIQUE )?INDEX \S+ ON (?:ONLY )?\S+ ")]
    private static partial Regex IndexHead();

    /// <param name="Name">The index's name on the serving table.</param>
    /// <param name="Definition">Its <c>CREATE INDEX</c> statement.</param>
    /// <param name="Constraint">The constraint it backs (the primary key), if any: renamed as a constraint.</param>
    /// <param name="ConstraintDefinition">That constraint's definition, to add it to the next table.</param>
    /// <param name="Temporary">Its name on the next table until the switch.</param>
    /// <param name="RetiredName">Its name on the retired table after the switch.</param>
    private sealed record Index(string Name, string Definition, string? Constraint, string? ConstraintDefinition, string Temporary, string RetiredName);
}
