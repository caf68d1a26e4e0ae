using Microsoft.AspNetCore.DataProtection;

namespace OrProject.Projections.Accounts;

/// <summary>Encrypts upstream credentials at rest with ASP.NET Core Data Protection; the key ring lives in PostgreSQL.</summary>
public sealed class SecretProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("OrProject.UpstreamAccount.ApiKey.v1");

    public string Protect(string secret) => _protector.Protect(secret);

    public string Unprotect(string protectedSecret) => _protector.Unprotect(protectedSecret);
}
