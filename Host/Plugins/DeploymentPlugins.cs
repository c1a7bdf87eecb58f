using Switchboard.Host.Config;
using Switchboard.Host.Plugins.Signing;

namespace Switchboard.Host.Plugins;

/// <summary>
/// Loads a deployment's "plugins" with its "trust" settings into a <see cref="PluginCatalog"/>, for
/// <c>switchboard run</c> and <c>validate</c>: pass <see cref="Load"/> to <see cref="DeploymentLoader.Load"/>;
/// refusals become deployment errors at the package's JSON path.
/// </summary>
internal sealed class DeploymentPlugins
{
    /// <summary>The catalog holding the deployment's plugins (null until a deployment lists some).</summary>
    public PluginCatalog? Catalog { get; private set; }

    public IReadOnlySet<string> Load(PluginsSection section, IJsonDiagnostics diag)
    {
        try { Catalog = CreateCatalog(section); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            diag.Error(JsonPath.Key(section.Trust.JsonPath, "keys"), $"cannot read the trust store: {e.Message}");
            return new HashSet<string>();
        }
        foreach (var package in section.Packages)
        {
            try { Catalog.Load(package.Path); }
            catch (PluginRefusedException e)
            {
                foreach (var problem in e.Problems)
                    diag.Error(package.JsonPath, $"plugin package refused ({e.Stage.ToString().ToLowerInvariant()}): {problem}");
            }
        }
        return Catalog.NfTypes;
    }

    /// <summary>Pass to <see cref="DeploymentLoader.Load"/> as its config check: every NF instance of a type that declares a configSchema
    /// (a plugin's, or an in-tree NF's plugin.json) must match it (<c>$.nfs.NAME.config.KEY: must be &gt;= 1 (schema: minimum)</c>).</summary>
    public void CheckConfigs(IReadOnlyDictionary<string, NfSpec> nfs, IJsonDiagnostics diag)
    {
        foreach (var spec in nfs.Values)
            if (NfConfigSchemas.For(Catalog, spec.Type) is { } schema)
                foreach (var problem in schema.Schema.Validate(spec.Config, JsonPath.Key(spec.Path, "config")))
                    diag.Error(problem.Path, $"{problem.Message} (schema: {problem.Keyword})");
    }

    /// <summary>An empty catalog with the deployment's trust settings (for packages loaded later, e.g. by the control plane).</summary>
    public static PluginCatalog CreateCatalog(PluginsSection section)
    {
        var trust = section.Trust.KeysDirectory is { } keys ? TrustStore.Load(keys) : null;
        return new PluginCatalog(new PluginHostOptions { Trust = trust, RequireSignatures = section.Trust.RequireSignatures });
    }
}
