using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Routing.Template;

namespace OrProject.Api.Routing;

/// <summary>The HTTP methods the app's routes accept at a path, from its endpoint table (matched once per pattern).</summary>
internal static class RouteMethods
{
    private static readonly ConditionalWeakTable<EndpointDataSource, List<(TemplateMatcher Matcher, IReadOnlyList<string> Methods)>> Tables = [];

    public static IReadOnlyList<string> At(HttpContext context, string path)
    {
        var source = context.RequestServices.GetRequiredService<EndpointDataSource>();
        var table = Tables.GetValue(source, Build);
        var values = new RouteValueDictionary();
        return [.. table.Where(e => { values.Clear(); return e.Matcher.TryMatch(path, values); })
            .SelectMany(e => e.Methods).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal)];
    }

    private static List<(TemplateMatcher, IReadOnlyList<string>)> Build(EndpointDataSource source) =>
        [.. source.Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<HttpMethodMetadata>() is { HttpMethods.Count: > 0 } && e.RoutePattern.RawText is { } raw && !raw.Contains("{*path", StringComparison.Ordinal))
            .Select(e => (new TemplateMatcher(TemplateParser.Parse(e.RoutePattern.RawText!.TrimStart('/')), new RouteValueDictionary()),
                e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods))];
}
