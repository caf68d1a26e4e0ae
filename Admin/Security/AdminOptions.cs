using System.ComponentModel.DataAnnotations;
using OrProject.ServiceDefaults;

namespace OrProject.Admin.Security;

public sealed class AdminOptions
{
    public const string Section = AdminToken.Section;

    /// <summary>Bearer token of the admin API and UI (<c>ORP_ADMIN_TOKEN</c>). Empty disables the admin API.</summary>
    public string Token { get; set; } = "";

    /// <summary>
    /// How long an admin panel session lasts from sign-in, however busy: a stolen cookie in constant use still dies.
    /// (Inactivity ends it sooner, see <c>AdminSession</c>.)
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(12);
}
