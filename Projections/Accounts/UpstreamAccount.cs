using OrProject.Contracts.Events;

namespace OrProject.Projections.Accounts;

/// <summary>An upstream account's current state, projected inline from its stream (id = account id).</summary>
public class UpstreamAccount
{
    public string Id { get; set; } = "";

    public string Name { get; set; } = "";

    /// <summary><c>anthropic</c>, <c>openai</c> or <c>simulator</c>.</summary>
    public string Kind { get; set; } = "";

    public string BaseUrl { get; set; } = "";

    public string ProtectedApiKey { get; set; } = "";

    public int Weight { get; set; } = 1;

    public List<string> Models { get; set; } = [];

    /// <summary>Calls one worker process sends to this account at once; 0 means no limit.</summary>
    public int MaxConcurrency { get; set; }

    public bool Disabled { get; set; }

    public string? DisabledReason { get; set; }

    public DateTimeOffset? CooldownUntil { get; set; }

    /// <summary>Its circuit opened: once the cooldown is over it comes back through one successful probe, not by the clock.</summary>
    public bool ProbeRequired { get; set; }

    /// <summary>
    /// Cooling because the upstream limited its rate (429): it said how long to wait, so the account is not tried
    /// before then, not even as the last resort when every account is out.
    /// </summary>
    public bool RateLimited { get; set; }

    /// <summary>When a request last failed on it: with every account out, the least recently failed one is still tried.</summary>
    public DateTimeOffset? LastFailureAt { get; set; }

    public long Rotations { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public long Version { get; set; }

    public string StatusAt(DateTimeOffset now) =>
        Disabled ? AccountStatus.Disabled
        : CooldownUntil > now ? AccountStatus.Cooling
        : ProbeRequired ? AccountStatus.Probing
        : AccountStatus.Active;

    /// <summary>Out of rotation for now but worth a try when every account is out: not one the upstream told to wait.</summary>
    public bool LastResortAt(DateTimeOffset now) => !Disabled && !(RateLimited && CooldownUntil > now);

    public bool Serves(string model) => Models.Count == 0 || Models.Contains(model, StringComparer.OrdinalIgnoreCase);

    public static UpstreamAccount Create(AccountAdded e) => new()
    {
        Id = e.AccountId,
        Name = e.Name,
        Kind = e.Kind,
        BaseUrl = e.BaseUrl,
        ProtectedApiKey = e.ProtectedApiKey,
        Weight = e.Weight,
        Models = [.. e.Models],
        MaxConcurrency = e.MaxConcurrency,
        CreatedAt = e.At,
    };

    public void Apply(AccountRotated e)
    {
        Rotations++;
        LastError = e.Reason;
        LastFailureAt = e.At;
    }

    public void Apply(AccountCooledDown e)
    {
        CooldownUntil = e.Until;
        ProbeRequired = e.Probe;
        RateLimited = e.Status == 429;
        LastError = e.Reason;
        LastFailureAt = e.At;
    }

    public void Apply(AccountRestored e)
    {
        CooldownUntil = null;
        ProbeRequired = false;
        RateLimited = false;
    }

    public void Apply(AccountDisabled e)
    {
        Disabled = true;
        DisabledReason = e.Reason;
        LastError = e.Reason;
    }

    public void Apply(AccountEnabled e)
    {
        Disabled = false;
        DisabledReason = null;
        CooldownUntil = null;
        ProbeRequired = false;
        RateLimited = false;
    }
}

public static class AccountStatus
{
    public const string Active = "active";
    public const string Cooling = "cooling";

    /// <summary>Its circuit's break is over: it serves one probe request at a time until one succeeds.</summary>
    public const string Probing = "probing";
    public const string Disabled = "disabled";
}

public static class AccountKinds
{
    public const string Anthropic = "anthropic";
    public const string OpenAi = "openai";
    public const string Simulator = "simulator";

    public static bool IsKnown(string kind) => kind is Anthropic or OpenAi or Simulator;
}
