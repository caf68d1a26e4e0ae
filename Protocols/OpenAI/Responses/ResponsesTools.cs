using System.Text.Json.Nodes;
using OrProject.Protocols.Canonical;
namespace OrProject.Protocols.OpenAI.Responses;

/// <summary>How a canonical tool name maps back to what the Responses client declared.</summary>
internal enum ToolKind
{
    /// <summary>A <c>function</c> tool (inside a namespace when <see cref="ToolOrigin.Namespace"/> is set).</summary>
    Function,

    /// <summary>A freeform <c>custom</c> tool: the canonical tool takes one string property, <see cref="ResponsesTools.CustomInput"/>.</summary>
    Custom,

    /// <summary>The legacy <c>local_shell</c> tool, answered with <c>local_shell_call</c> items.</summary>
    LocalShell,
}

/// <summary>A client tool as declared: its kind, its own name and, for a member of a <c>namespace</c> tool, that namespace.</summary>
internal sealed record ToolOrigin(ToolKind Kind, string Name, string? Namespace = null);

/// <summary>
/// The Responses <c>tools</c> array as canonical (Anthropic) tools, and the way back. Anthropic knows only JSON-input
/// tools, so Codex's other kinds are reshaped: a <c>custom</c> (freeform) tool takes one string property, a
/// <c>namespace</c> is flattened into <c>namespace__tool</c> names, <c>local_shell</c> becomes a function with the
/// exec action's fields, and <c>web_search</c> becomes Anthropic's server tool. Both translation directions build
/// this from the client's request, so the output side needs nothing carried in the canonical request.
/// </summary>
internal sealed class ResponsesTools
{
    /// <summary>The string property that carries a custom tool's freeform input.</summary>
    public const string CustomInput = "input";

    /// <summary>The canonical name of the <c>local_shell</c> tool.</summary>
    public const string LocalShellName = "local_shell";

    // Hosted tools Anthropic cannot run and whose absence the model works around: image_generation only adds a
    // capability, and tool_search only loads deferred tools, which are declared here in full instead.
    private static readonly HashSet<string> Droppable = new(StringComparer.Ordinal) { "image_generation", "tool_search" };

    private readonly Dictionary<string, ToolOrigin> _byCanonical = new(StringComparer.Ordinal);
    private readonly Dictionary<(string? Namespace, string Name), string> _byOrigin = [];

    private ResponsesTools()
    {
    }

    /// <summary>The canonical tools, in the client's order.</summary>
    public JsonArray Canonical { get; } = [];

    /// <summary>Tool types left out because Anthropic cannot run them and dropping them is harmless.</summary>
    public List<string> Dropped { get; } = [];

    /// <summary>Reads the request's tools; an unknown or malformed tool is a validation error naming it.</summary>
    public static ResponsesTools From(JsonNode? tools)
    {
        var result = new ResponsesTools();
        var list = tools as JsonArray ?? [];
        for (var i = 0; i < list.Count; i++)
        {
            result.Read(list[i], $"tools[{i}]");
        }

        return result;
    }

    /// <summary>
    /// The tools of a request, without validation: the output side only needs the name mapping, and the request
    /// was validated when it was translated.
    /// </summary>
    public static ResponsesTools Lenient(JsonNode? tools)
    {
        try
        {
            return From(tools);
        }
        catch (RequestValidationException)
        {
            return new ResponsesTools();
        }
    }

    /// <summary>What the client declared for a canonical tool name; an unknown name is taken for a plain function.</summary>
    public ToolOrigin Origin(string canonicalName) =>
        _byCanonical.TryGetValue(canonicalName, out var origin) ? origin : new ToolOrigin(ToolKind.Function, canonicalName);

    /// <summary>The canonical name for a call the client sends back (<c>namespace</c> + <c>name</c>).</summary>
    public string CanonicalName(string? ns, string name) =>
        _byOrigin.TryGetValue((ns, name), out var canonical) ? canonical : ns is null ? name : Flatten(ns, name);

    /// <summary>
    /// <c>namespace__tool</c>, shortened deterministically when it breaks the tool-name rules, so the same pair maps
    /// the same way on every request (prompt caches keep hitting).
    /// </summary>
    public static string Flatten(string ns, string name) => ToolNameMap.Shorten($"{ns}__{name}");

    private void Read(JsonNode? tool, string param)
    {
        if (tool is not JsonObject)
        {
            throw new RequestValidationException("Every tool must be an object.", param);
        }

        var type = JsonNodes.Str(tool?["type"]);
        switch (type)
        {
            case "function":
                Add(Function(tool!, param), new ToolOrigin(ToolKind.Function, JsonNodes.Str(tool!["name"])!), param);
                break;
            case "custom":
                Add(Custom(tool!, param), new ToolOrigin(ToolKind.Custom, JsonNodes.Str(tool!["name"])!), param);
                break;
            case "namespace":
                Namespace(tool!, param);
                break;
            case "local_shell":
                Add(LocalShell(), new ToolOrigin(ToolKind.LocalShell, LocalShellName), param);
                break;
            case "web_search" or "web_search_preview" or "web_search_2025_08_26":
                Canonical.Add(WebSearch(tool!));
                break;
            case not null when Droppable.Contains(type):
                Dropped.Add(type);
                break;
            default:
                throw new RequestValidationException(
                    type is null ? "Every tool needs a type." : $"Tool type '{type}' is not supported by this gateway.", $"{param}.type");
        }
    }

    private void Namespace(JsonNode tool, string param)
    {
        var ns = JsonNodes.Str(tool["name"]);
        if (string.IsNullOrEmpty(ns))
        {
            throw new RequestValidationException("A namespace tool needs a name.", $"{param}.name");
        }

        var members = tool["tools"] as JsonArray ?? [];
        var description = JsonNodes.Str(tool["description"]);
        for (var k = 0; k < members.Count; k++)
        {
            var member = members[k] as JsonObject
                ?? throw new RequestValidationException("Every namespace member must be an object.", $"{param}.tools[{k}]");
            var at = $"{param}.tools[{k}]";
            var kind = JsonNodes.Str(member?["type"]) switch
            {
                "function" => ToolKind.Function,
                "custom" => ToolKind.Custom,
                var other => throw new RequestValidationException(
                    $"Tool type '{other}' is not supported inside a namespace; use function or custom.", $"{at}.type"),
            };
            var canonical = kind == ToolKind.Custom ? Custom(member!, at) : Function(member!, at);
            var name = JsonNodes.Str(member!["name"])!;
            canonical["name"] = Flatten(ns, name);
            // The model sees only the flat name; the namespace's description is where the group is explained.
            if (!string.IsNullOrEmpty(description))
            {
                canonical.Remove("description", out var own);
                var text = JsonNodes.Str(own) is { Length: > 0 } ownText ? $"{ownText}\n\n({ns}: {description})" : $"({ns}: {description})";
                canonical.Insert(1, "description", text);
            }

            Add(canonical, new ToolOrigin(kind, name, ns), at);
        }
    }

    private void Add(JsonObject canonical, ToolOrigin origin, string param)
    {
        var name = JsonNodes.Str(canonical["name"])!;
        if (!_byCanonical.TryAdd(name, origin))
        {
            throw new RequestValidationException($"Two tools are named '{name}' (namespace tools are named namespace__tool).", param);
        }

        _byOrigin[(origin.Namespace, origin.Name)] = name;
        Canonical.Add(canonical);
    }

    private static JsonObject Function(JsonNode tool, string param) => OpenAiRequestFields.Tool(
        JsonNodes.Str(tool["name"]), JsonNodes.Str(tool["description"]), tool["parameters"], $"{param}.name");

    private static JsonObject Custom(JsonNode tool, string param)
    {
        var name = JsonNodes.Str(tool["name"]);
        if (string.IsNullOrEmpty(name))
        {
            throw new RequestValidationException("Every custom tool needs a name.", $"{param}.name");
        }

        // Anthropic has no freeform tools: the raw text travels in one string property, and the grammar the client
        // would have constrained it with is given to the model in words instead.
        var hint = "Freeform text, not JSON.";
        var format = tool["format"];
        if (JsonNodes.Str(format?["type"]) == "grammar" && JsonNodes.Str(format?["definition"]) is { Length: > 0 } grammar)
        {
            hint = $"Freeform text matching this {JsonNodes.Str(format?["syntax"]) ?? "grammar"} grammar:\n{grammar}";
        }

        var description = JsonNodes.Str(tool["description"]);
        var schema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                [CustomInput] = new JsonObject { ["type"] = "string", ["description"] = hint },
            },
            ["required"] = new JsonArray(CustomInput),
        };
        return OpenAiRequestFields.Tool(
            name, string.IsNullOrEmpty(description) ? $"Pass the whole input in '{CustomInput}'." : $"{description}\n\nPass the whole input in '{CustomInput}'.",
            schema, $"{param}.name");
    }

    private static JsonObject LocalShell() => new()
    {
        ["name"] = LocalShellName,
        ["description"] = "Runs a command on the user's machine and returns its output.",
        ["input_schema"] = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject
            {
                ["command"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } },
                ["working_directory"] = new JsonObject { ["type"] = "string" },
                ["timeout_ms"] = new JsonObject { ["type"] = "integer" },
            },
            ["required"] = new JsonArray("command"),
        },
    };

    /// <summary>
    /// Anthropic's web search server tool. It runs only on Anthropic: an OpenAI-compatible upstream's request
    /// translation leaves server tools out.
    /// </summary>
    private static JsonObject WebSearch(JsonNode tool)
    {
        var search = new JsonObject { ["type"] = "web_search_20250305", ["name"] = "web_search" };
        if (tool["filters"]?["allowed_domains"] is JsonArray { Count: > 0 } domains)
        {
            search["allowed_domains"] = domains.DeepClone();
        }

        if (tool["user_location"] is JsonObject location && JsonNodes.Str(location["type"]) == "approximate")
        {
            var mapped = new JsonObject { ["type"] = "approximate" };
            foreach (var field in (ReadOnlySpan<string>)["city", "region", "country", "timezone"])
            {
                if (JsonNodes.Str(location[field]) is { Length: > 0 } value)
                {
                    mapped[field] = value;
                }
            }

            search["user_location"] = mapped;
        }

        return search;
    }
}
