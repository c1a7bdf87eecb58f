using Switchboard.Host.Plugins.Signing;
using Switchboard.Host.Verification;

namespace Switchboard.Host.Plugins;

/// <summary>How the host admits plugins.</summary>
public sealed record PluginHostOptions
{
    /// <summary>Vendor keys the operator trusts (null: none).</summary>
    public TrustStore? Trust { get; init; }
    /// <summary>Refuse unsigned packages and packages signed by keys outside <see cref="Trust"/>.
    /// A signature that does not match its files is refused whatever this says.</summary>
    public bool RequireSignatures { get; init; }
    /// <summary>The verifier's allow-list (default: the host's plugin-policy.txt).</summary>
    public VerifierPolicy Policy { get; init; } = VerifierPolicy.Default;
    public PackageLimits Limits { get; init; } = PackageLimits.Default;
    /// <summary>How long <see cref="PluginCatalog.Unload"/> waits for the context to be collected before raising an alarm.</summary>
    public TimeSpan UnloadTimeout { get; init; } = TimeSpan.FromSeconds(5);
}
