using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace OrProject.Admin.Security;

/// <summary>Admin API requests need <c>Authorization: Bearer ORP_ADMIN_TOKEN</c>, compared in constant time.</summary>
internal sealed class AdminTokenFilter(IOptions<AdminOptions> options) : IEndpointFilter
{
    public const string Actor = "admin";

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        var presented = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : "";
        return Matches(presented, options.Value.Token)
            ? next(context)
            : ValueTask.FromResult<object?>(Results.Json(
                new { type = "error", error = new { type = "authentication_error", message = "A valid admin token is required." } },
                statusCode: StatusCodes.Status401Unauthorized));
    }

    public static bool Matches(string presented, string expected)
    {
        if (expected.Length == 0 || presented.Length == 0)
        {
            return false;
        }

        // Hashing first makes the comparison constant-time whatever the lengths.
        return CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
    }
}
