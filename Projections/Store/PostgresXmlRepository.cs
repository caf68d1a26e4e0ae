using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace OrProject.Projections.Store;

/// <summary>
/// The Data Protection key ring in a PostgreSQL table, so every Api and Worker instance decrypts what another
/// encrypted. <see cref="IXmlRepository"/> is synchronous by design, hence Npgsql's synchronous API here.
/// </summary>
internal sealed class PostgresXmlRepository(NpgsqlDataSource dataSource, string schema) : IXmlRepository
{
    private readonly string _table = $"\"{schema}\".orp_data_protection_keys";

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        EnsureTable();
        using var command = dataSource.CreateCommand($"select xml from {_table} order by created_at");
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
        }

        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        EnsureTable();
        using var command = dataSource.CreateCommand(
            $"insert into {_table} (friendly_name, xml) values ($1, $2) on conflict (friendly_name) do nothing");
        command.Parameters.Add(new NpgsqlParameter { Value = friendlyName });
        command.Parameters.Add(new NpgsqlParameter { Value = element.ToString(SaveOptions.DisableFormatting) });
        command.ExecuteNonQuery();
    }

    private void EnsureTable()
    {
        using var command = dataSource.CreateCommand(
            $"create schema if not exists \"{schema}\"; " +
            $"create table if not exists {_table} (friendly_name text primary key, xml text not null, created_at timestamptz not null default now())");
        command.ExecuteNonQuery();
    }
}
