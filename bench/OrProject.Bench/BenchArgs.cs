using System.Globalization;

namespace OrProject.Bench;

/// <summary><c>--name value</c> options; a name may repeat (<c>--pid api=1 --pid worker-1=2</c>).</summary>
internal sealed class BenchArgs
{
    private readonly List<(string Name, string Value)> _options = [];

    public BenchArgs(IEnumerable<string> args)
    {
        string? name = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (name is not null)
                {
                    _options.Add((name, "true"));
                }

                name = arg[2..];
            }
            else if (name is not null)
            {
                _options.Add((name, arg));
                name = null;
            }
            else
            {
                throw new ArgumentException($"unexpected argument '{arg}'");
            }
        }

        if (name is not null)
        {
            _options.Add((name, "true"));
        }
    }

    public string? Get(string name) => _options.LastOrDefault(o => o.Name == name).Value;

    public string Require(string name) => Get(name) ?? throw new ArgumentException($"--{name} is required");

    public IEnumerable<string> All(string name) => _options.Where(o => o.Name == name).Select(o => o.Value);

    public int Int(string name, int fallback) =>
        Get(name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public double Double(string name, double fallback) =>
        Get(name) is { } value ? double.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public bool Flag(string name) => Get(name) is "true" or "1" or "yes";
}
