using System.Reflection;
using Switchboard.Host.Config;

namespace Switchboard.Host.Plugins;

/// <summary>
/// Where an NF type's config schema comes from: the active plugin that provides the type (a plugin shadows the
/// built-in NF, schema and all), else the in-tree NF's own plugin.json, embedded in the host at build time, so a
/// built-in NF's config is checked exactly as its package's would be.
/// </summary>
internal static class NfConfigSchemas
{
    private const string Prefix = "Switchboard.Host.BuiltInManifests/";
    private static readonly Lazy<IReadOnlyDictionary<string, (ConfigSchema Schema, string Plugin)>> Schemas = new(Load);

    /// <summary>The schema for a new instance of <paramref name="type"/> and who declares it; null when none is declared.</summary>
    public static (ConfigSchema Schema, string DeclaredBy)? For(PluginCatalog? catalog, string type)
    {
        if (catalog?.Provider(type) is { } plugin)
            return plugin.ConfigSchemaOf(type) is { } s ? (s, plugin.DisplayName) : null;
        return Schemas.Value.TryGetValue(type, out var b) ? (b.Schema, b.Plugin + " (built in)") : null;
    }

    /// <summary>Every embedded manifest's schemas. A broken in-tree manifest is a build error, not an operator's.</summary>
    private static IReadOnlyDictionary<string, (ConfigSchema, string)> Load()
    {
        var assembly = typeof(NfConfigSchemas).Assembly;
        var schemas = new Dictionary<string, (ConfigSchema, string)>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var errors = new List<ConfigError>();
            var manifest = ManifestParser.Parse(buffer.ToArray(), name[Prefix.Length..], errors, out _)
                ?? throw new InvalidOperationException($"in-tree manifest {name[Prefix.Length..]} is invalid: {string.Join("; ", errors)}");
            for (int i = 0; i < manifest.Nfs.Count; i++)
            {
                if (manifest.Nfs[i].ConfigSchema is not { } text) continue;
                var problems = new List<ConfigSchemaProblem>();
                var schema = ConfigSchema.Compile(text, $"$.nfs[{i}].configSchema", problems)
                    ?? throw new InvalidOperationException($"in-tree manifest {name[Prefix.Length..]}: {string.Join("; ", problems)}");
                schemas[manifest.Nfs[i].Type] = (schema, $"{manifest.Id} {manifest.Version}");
            }
        }
        return schemas;
    }

    /// <summary>The in-tree NF types that declare a schema (for tests and listings).</summary>
    public static IReadOnlyCollection<string> BuiltInTypes => [.. Schemas.Value.Keys];
}
