using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using OrProject.Admin.Accounts;
using OrProject.Admin.Events;
using OrProject.Admin.Keys;
using OrProject.Admin.Replay;
using OrProject.Admin.Security;
using OrProject.Admin.Settings;
using OrProject.Admin.Usage;

namespace OrProject.Admin;

public static class AdminComposition
{
    public static IServiceCollection AddOrProjectAdmin(this IServiceCollection services)
    {
        services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section);
        services.AddHostedService<UpstreamSeeder>();
        return services;
    }

    /// <summary>The admin JSON API under <c>/admin/api</c> (admin token required) and the key holder's <c>/usage/me</c>.</summary>
    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin/api").AddEndpointFilter<AdminTokenFilter>();
        admin.MapKeys();
        admin.MapKeyUsage();
        admin.MapEvents();
        admin.MapEventExport();
        admin.MapSettings();
        admin.MapAccounts();
        admin.MapReplay();
        app.MapUsageMe();
        return app;
    }
}
