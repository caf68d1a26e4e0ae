namespace OrProject.Api.Routing;

/// <summary>
/// Traffic clients send besides inference: the front door, Claude Code's connectivity probes (<c>HEAD /</c>,
/// <c>/api/hello</c>) and its telemetry, answered so that clients neither fail nor fill the logs.
/// </summary>
internal static class ClientProbeEndpoints
{
    public static IEndpointRouteBuilder MapClientProbes(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/", ["HEAD"], () => Results.Ok());
        app.MapGet("/", FrontDoor.GetAsync);
        app.MapMethods("/api/hello", ["HEAD", "GET"], () => Results.Ok());
        app.MapPost("/api/event_logging/{**rest}", () => Results.NoContent());
        return app;
    }
}
