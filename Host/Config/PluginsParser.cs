namespace Switchboard.Host.Config;

/// <summary>A plugin package named in plugins.json (absolute path, resolved against the deployment file).</summary>
internal sealed record PluginPackageSpec(string Path, string JsonPath);

/// <summary>The deployment's trust settings: the trust store directory and whether signatures are required.</summary>
internal sealed record TrustSpec(string? KeysDirectory, bool RequireSignatures, string JsonPath);

/// <summary>The optional top-level "plugins" and "trust" keys.</summary>
internal sealed record PluginsSection(IReadOnlyList<PluginPackageSpec> Packages, TrustSpec Trust)
{
    public static PluginsSection None { get; } = new([], new TrustSpec(null, false, "$.trust"));
}

/// <summary>
/// Reads "plugins": ["path", ...] (folders or .zip files, relative to the deployment file) and
/// "trust": { "keys": "dir", "requireSignatures": bool }. Loading the packages is the caller's business
/// (<see cref="DeploymentLoader.PluginLoader"/>), so validation can report refusals at their JSON path.
/// </summary>
internal static class PluginsParser
{
    public static PluginsSection Parse(ObjectView root, string baseDirectory, Diagnostics diag)
    {
        var packages = new List<PluginPackageSpec>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (value, path) in root.Strings("plugins") ?? [])
        {
            if (value.Length == 0) { diag.Error(path, "expected the path of a plugin package (a folder or a .zip)"); continue; }
            string full = System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDirectory, value));
            if (!Directory.Exists(full) && !File.Exists(full)) diag.Error(path, $"no plugin package at {full}");
            else if (!seen.Add(full)) diag.Error(path, $"{value} is listed twice");
            else packages.Add(new PluginPackageSpec(full, path));
        }

        var trust = PluginsSection.None.Trust;
        if (root.Object("trust") is { } t)
        {
            t.RejectUnknownKeys("keys", "requireSignatures");
            string? keys = t.String("keys");
            if (keys is not null)
            {
                keys = System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDirectory, keys));
                if (!Directory.Exists(keys)) diag.Error(t.ChildPath("keys"), $"no trust store directory at {keys}");
            }
            bool require = t.Bool("requireSignatures") ?? false;
            if (require && keys is null) diag.Error(t.ChildPath("requireSignatures"), "requireSignatures needs a trust store: add \"keys\": \"<directory of vendor public keys>\"");
            trust = new TrustSpec(keys, require, t.Path);
        }
        return new PluginsSection(packages, trust);
    }
}
