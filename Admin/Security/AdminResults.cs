using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace OrProject.Admin.Security;

/// <summary>An <see cref="AdminResult{T}"/> as the admin API's HTTP answer.</summary>
internal static class AdminResults
{
    public static Results<Ok<TOut>, NotFound<AdminError>, BadRequest<AdminError>> ToHttp<T, TOut>(this AdminResult<T> result, Func<T, TOut> map) =>
        result switch
        {
            { Succeeded: true } => TypedResults.Ok(map(result.Value!)),
            { NotFound: true } => TypedResults.NotFound(AdminError.NotFound(result.Error!)),
            _ => TypedResults.BadRequest(AdminError.Invalid(result.Error!)),
        };
}
