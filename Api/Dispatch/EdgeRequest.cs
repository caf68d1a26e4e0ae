namespace OrProject.Api.Dispatch;

internal static class EdgeRequest
{
    public const string IdKey = "orp.request-id";

    public static string Id(HttpContext context) =>
        context.Items[IdKey] as string ?? throw new InvalidOperationException("The request id middleware did not run.");
}
