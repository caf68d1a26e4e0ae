using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.ApplicationParts;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OrProject.Admin.Accounts;
using OrProject.Admin.Assets;
using OrProject.Admin.Events;
using OrProject.Admin.Keys;
using OrProject.Admin.Replay;
using OrProject.Admin.Requests;
using OrProject.Admin.Security;
using OrProject.Admin.Sessions;
using OrProject.Admin.Settings;
using OrProject.Admin.Usage;

namespace OrProject.Admin;

public static class AdminComposition
{
    public static IServiceCollection AddOrProjectAdmin(this IServiceCollection services)
    {
        // The token's minimum length is checked at start by every host's telemetry (it guards /metrics too), once.
        services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddClientRateLimits();

        // Binding failures throw instead of answering an empty 400, so the admin API's handler can say which field
        // was wrong. The edge binds no bodies; its handler already turns what reaches it into 400.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddExceptionHandler<AdminApiExceptionHandler>();
        services.AddHostedService<UpstreamSeeder>();
        services.AddScoped<KeyCommands>();
        services.AddScoped<AccountCommands>();
        services.AddScoped<SettingsCommands>();

        // The pages: everything under Pages/Panel needs an admin session; antiforgery is on for every form (Razor
        // Pages validates it on every POST by default).
        services.AddAdminSessions();
        services.AddRazorPages(o =>
            {
                o.Conventions.AuthorizeFolder("/Panel", AdminSession.Policy);
                o.Conventions.ConfigureFilter(new PageSecurityHeaders());
            })
            .ConfigureApplicationPartManager(parts =>
            {
                // Discovery starts from the entry assembly, which is not the edge under a test host: add this one (its
                // types and its compiled pages) unless discovery found it already.
                var assembly = typeof(AdminComposition).Assembly;
                if (!parts.ApplicationParts.Any(p => p.Name == assembly.GetName().Name))
                {
                    foreach (var part in ApplicationPartFactory.GetApplicationPartFactory(assembly).GetApplicationParts(assembly))
                    {
                        parts.ApplicationParts.Add(part);
                    }
                }
            });
        return services;
    }

    /// <summary>
    /// Rate limits, the admin API's token check (before any body is read), and authentication and authorization for
    /// the pages; call it right after <c>UseRouting</c>, so the pages' rate-limit and authorization metadata apply.
    /// </summary>
    public static IApplicationBuilder UseOrProjectAdmin(this IApplicationBuilder app) =>
        app.UseRateLimiter().UseAdminGates().UseAuthentication().UseAuthorization();

    /// <summary>
    /// The admin JSON API under <c>/admin/api</c> (admin token required, by the gate in UseOrProjectAdmin), the key holder's <c>/usage/me</c>, the
    /// admin pages under <c>/admin</c>, the usage page at <c>/usage</c> and their assets.
    /// </summary>
    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup(AdminApiGate.PathPrefix);
        admin.MapKeys();
        admin.MapKeyUsage();
        admin.MapEvents();
        admin.MapRequests();
        admin.MapEventExport();
        admin.MapSettings();
        admin.MapAccounts();
        admin.MapReplay();
        app.MapUsageMe();
        app.MapRazorPages();
        app.MapAdminAssets();
        return app;
    }
}
