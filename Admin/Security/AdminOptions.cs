namespace OrProject.Admin.Security;

public sealed class AdminOptions
{
    public const string Section = "Admin";

    /// <summary>Bearer token of the admin API and UI (<c>ORP_ADMIN_TOKEN</c>). Empty disables the admin API.</summary>
    public string Token { get; set; } = "";
}
