using DotNet.Testcontainers.Builders;
using Testcontainers.PostgreSql;
using Testcontainers.RabbitMq;

namespace OrProject.Testing;

/// <summary>
/// Where the real PostgreSQL and RabbitMQ for tests are: the servers <c>./orp test</c> started
/// (<c>ORP_TEST_POSTGRES</c>, <c>ORP_TEST_RABBITMQ</c>), else containers where a Docker engine answers, else a
/// clear failure — never a silent skip. One instance per test run.
/// </summary>
public static class TestInfrastructure
{
    private static readonly Lazy<Task<(string Postgres, Uri RabbitMq)>> Servers = new(StartAsync);

    public static Task<(string Postgres, Uri RabbitMq)> GetAsync() => Servers.Value;

    private static async Task<(string, Uri)> StartAsync()
    {
        var postgres = Environment.GetEnvironmentVariable("ORP_TEST_POSTGRES");
        var rabbit = Environment.GetEnvironmentVariable("ORP_TEST_RABBITMQ");
        if (string.IsNullOrWhiteSpace(postgres))
        {
            var container = Build(() => new PostgreSqlBuilder("postgres:15-alpine").Build(), "ORP_TEST_POSTGRES");
            await container.StartAsync();
            postgres = container.GetConnectionString();
        }

        if (string.IsNullOrWhiteSpace(rabbit))
        {
            var container = Build(() => new RabbitMqBuilder("rabbitmq:3.13-alpine").Build(), "ORP_TEST_RABBITMQ");
            await container.StartAsync();
            rabbit = container.GetConnectionString();
        }

        return (postgres, new Uri(rabbit));
    }

    private static T Build<T>(Func<T> build, string variable)
    {
        try
        {
            return build();
        }
        catch (DockerUnavailableException ex)
        {
            throw new InvalidOperationException(
                $"{variable} is not set and no Docker engine answers. Run the tests with ./orp test, which starts PostgreSQL and RabbitMQ.", ex);
        }
    }
}
