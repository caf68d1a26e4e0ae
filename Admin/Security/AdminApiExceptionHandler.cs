using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace OrProject.Admin.Security;

/// <summary>
/// What parameter binding rejects on <c>/admin/api</c> (it throws, <c>RouteHandlerOptions.ThrowOnBadRequest</c>):
/// the status it chose, in the admin error shape, with a message naming the offending field instead of the empty
/// 400 binding answers by default (issue #15). Registered before the edge's handler, which takes everything else.
/// </summary>
internal sealed partial class AdminApiExceptionHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad || context.Response.HasStarted ||
            !context.Request.Path.StartsWithSegments(AdminApiGate.PathPrefix))
        {
            return false;
        }

        var message = bad.StatusCode switch
        {
            StatusCodes.Status413PayloadTooLarge => $"The admin API accepts bodies of at most {AdminApiGate.MaxBodyBytes} bytes.",
            StatusCodes.Status415UnsupportedMediaType => "The admin API takes JSON: send content-type: application/json.",
            _ => Describe(bad),
        };
        await AdminError.WriteAsync(context, bad.StatusCode, message);
        return true;
    }

    internal static string Describe(BadHttpRequestException bad) => bad.InnerException switch
    {
        JsonException { Path: { Length: > 2 } path } json => $"Invalid value for \"{Field(path)}\" in the JSON body{Expected(json.Message)}.",
        JsonException json => "The body is not valid JSON: " + json.Message.Split(" Path:")[0],
        _ => bad.Message,
    };

    /// <summary><c>$.budgetUsd</c> → <c>budgetUsd</c>; <c>$.models[0]</c> → <c>models[0]</c>.</summary>
    private static string Field(string path) => path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;

    /// <summary>The type the serializer wanted, in JSON's words, when its message names one.</summary>
    private static string Expected(string message)
    {
        if (TargetType().Match(message) is not { Success: true } match)
        {
            return "";
        }

        var type = match.Groups["type"].Value;
        return type switch
        {
            _ when type.Contains("[]", StringComparison.Ordinal) || type.Contains("List", StringComparison.Ordinal) => ": expected an array",
            _ when type.Contains("Dictionary", StringComparison.Ordinal) => ": expected an object",
            _ when type.Contains("Decimal", StringComparison.Ordinal) || type.Contains("Int", StringComparison.Ordinal) ||
                type.Contains("Double", StringComparison.Ordinal) => ": expected a number",
            _ when type.Contains("Boolean", StringComparison.Ordinal) => ": expected true or false",
            _ when type.Contains("DateTime", StringComparison.Ordinal) => ": expected an ISO 8601 date-time",
            _ when type.Contains("String", StringComparison.Ordinal) => ": expected a string",
            _ => "",
        };
    }

    // "The JSON value could not be converted to System.Nullable`1[System.Decimal]. Path: $.budgetUsd | …"
    [GeneratedRegex(@"converted to (?<type>\S+)\. Path:")]
    private static partial Regex TargetType();
}
