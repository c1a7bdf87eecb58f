using Switchboard.Host.Config;
using Switchboard.Host.Plugins;
using Switchboard.Host.Runtime;

namespace Switchboard.Host.Cli;

/// <summary><c>switchboard nfs [--config FILE]</c>: the built-in NF types, and the NF types of the plugin packages the
/// deployment names (loaded exactly as <c>run</c> loads them: verified, signature and trust checked).</summary>
internal static class NfsCommand
{
    public static int Execute(string configPath, TextWriter output, TextWriter errors)
    {
        var registry = NfRegistry.BuiltIn();
        output.WriteLine("Built-in NF types:");
        var schemas = NfConfigSchemas.BuiltInTypes.ToHashSet(StringComparer.Ordinal);
        output.Write(TextTable.Render(["type", "assembly", "config schema", "description"],
            registry.BuiltInTypes.Select(t => new[] { t.Name, t.Assembly, schemas.Contains(t.Name) ? "declared" : "none", t.Description }).ToList()));

        if (!File.Exists(configPath))
        {
            output.WriteLine($"No deployment file at {configPath}: no plugin packages listed.");
            return 0;
        }
        var plugins = new DeploymentPlugins();
        var result = DeploymentLoader.Load(configPath, registry.Names, plugins.Load);
        // Only problems with the packages matter here; the rest of the file is `validate`'s business.
        var packageErrors = result.Errors.Where(e => e.JsonPath.StartsWith("$.plugins", StringComparison.Ordinal)
                                                  || e.JsonPath.StartsWith("$.trust", StringComparison.Ordinal)
                                                  || e.JsonPath == JsonPath.Root).ToList();
        var loaded = plugins.Catalog?.List() ?? [];
        output.WriteLine();
        if (loaded.Count == 0 && packageErrors.Count == 0)
        {
            output.WriteLine($"Plugin NF types ({configPath}): none (the deployment names no plugin packages).");
            return 0;
        }
        output.WriteLine($"Plugin NF types ({configPath}):");
        var builtIn = registry.BuiltInTypes.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        output.Write(TextTable.Render(["type", "package", "version", "config schema", "description"],
            loaded.SelectMany(p => p.NfTypes.Select(nf => new[]
            {
                nf.Type + (builtIn.Contains(nf.Type) ? " (shadows built-in)" : ""), p.Id, p.Version.ToString(),
                nf.ConfigSchema is null ? "none" : "declared", nf.Description,
            })).ToList()));
        if (packageErrors.Count == 0) return 0;
        errors.WriteLine($"{configPath}: {packageErrors.Count} plugin package problem(s):");
        foreach (var e in packageErrors) errors.WriteLine("  " + e);
        return 2;
    }
}
