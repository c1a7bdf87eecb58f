using Switchboard.Host.Config;
using Switchboard.Host.Plugins.Signing;

namespace Switchboard.Host.Plugins;

/// <summary>
/// A plugin package opened into memory: <c>plugin.json</c>, the assemblies it lists, its VMN model and an
/// optional <c>signature.json</c> — nothing else. Every file is read once; the signature, the verifier and
/// the load context all see these same bytes, so nothing can change between the checks and the load.
/// </summary>
public sealed class PluginPackage
{
    private readonly Dictionary<string, byte[]> _files;

    private PluginPackage(string source, PluginManifest manifest, Dictionary<string, byte[]> files,
        IReadOnlyDictionary<string, string> assemblyNames, PackageSignature? signature, IReadOnlyDictionary<string, ConfigSchema> configSchemas)
    {
        Source = source;
        ConfigSchemas = configSchemas;
        Manifest = manifest;
        _files = files;
        AssemblyNames = assemblyNames;
        Signature = signature;
    }

    /// <summary>The path the package was opened from.</summary>
    public string Source { get; }
    public PluginManifest Manifest { get; }
    /// <summary>The parsed signature.json, or null when the package is unsigned (whether it is valid is <see cref="PackageSignature.Check"/>'s call).</summary>
    public PackageSignature? Signature { get; }
    /// <summary>Every file in the package, in ordinal order.</summary>
    public IReadOnlyList<string> FileNames => [.. _files.Keys.Order(StringComparer.Ordinal)];
    /// <summary>Assembly file name → the assembly's simple name (file name without .dll).</summary>
    public IReadOnlyDictionary<string, string> AssemblyNames { get; }
    public long TotalBytes => _files.Values.Sum(f => (long)f.Length);
    /// <summary>NF type → its compiled <c>configSchema</c> (only the NF types that declare one).</summary>
    public IReadOnlyDictionary<string, ConfigSchema> ConfigSchemas { get; }

    /// <summary>A file's bytes (read-only: the package's copy is the one that gets verified and loaded).</summary>
    public ReadOnlyMemory<byte> File(string name) => _files[name];

    /// <summary>The private array behind an assembly, for the load context only (never handed out).</summary>
    internal byte[] Bytes(string name) => _files[name];

    /// <summary>Reads and validates the package at <paramref name="path"/> (a folder or a .zip).</summary>
    /// <exception cref="PluginRefusedException">Every problem found, each naming the package and where.</exception>
    public static PluginPackage Open(string path, PackageLimits? limits = null)
    {
        limits ??= PackageLimits.Default;
        var problems = new List<PluginProblem>();
        var files = PackageReader.Read(path, limits, problems);
        Throw(path, RefusalStage.Package, problems);

        string separator = Directory.Exists(path) ? "/" : "!";
        string manifestSource = path.TrimEnd('/', '\\') + separator + PluginManifest.FileName;
        if (!files.TryGetValue(PluginManifest.FileName, out var manifestBytes))
            throw new PluginRefusedException(path, RefusalStage.Manifest, path, "plugin.json is missing (every package starts with its manifest)");
        var manifestErrors = new List<ConfigError>();
        var manifest = ManifestParser.Parse(manifestBytes, manifestSource, manifestErrors, out var map);
        Throw(path, RefusalStage.Manifest, manifestErrors.Select(ToProblem).ToList());
        var at = new ManifestLocator(manifestSource, map!);

        var schemas = CompileSchemas(manifest!, at, problems);
        Throw(path, RefusalStage.Manifest, problems);

        CheckFileSet(path, separator, manifest!, files, at, problems);
        Throw(path, RefusalStage.Package, problems);

        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var facts = new List<(string File, AssemblyInspector.Facts Facts)>();
        for (int i = 0; i < manifest!.Assemblies.Count; i++)
        {
            string file = manifest.Assemblies[i];
            string where = at.Where($"$.assemblies[{i}]");
            var f = AssemblyInspector.Inspect(files[file], out var problem);
            if (f is null) { problems.Add(new PluginProblem(where, $"'{file}' is {problem}")); continue; }
            if (!string.Equals(f.SimpleName + ".dll", file, StringComparison.Ordinal))
                problems.Add(new PluginProblem(where, $"'{file}' holds assembly '{f.SimpleName}': the file must be named '{f.SimpleName}.dll'"));
            else if (IsReservedName(f.SimpleName))
                problems.Add(new PluginProblem(where, $"assembly name '{f.SimpleName}' is reserved for the host and the framework; name it after your plugin"));
            names[file] = f.SimpleName;
            facts.Add((file, f));
        }
        Throw(path, RefusalStage.Package, problems);

        CheckNfTypes(manifest, facts, at, problems);
        Throw(path, RefusalStage.Manifest, problems);

        PackageSignature? signature = null;
        if (files.TryGetValue(PluginManifest.SignatureFileName, out var sigBytes))
        {
            signature = PackageSignature.Parse(sigBytes, out var why);
            if (signature is null) throw new PluginRefusedException(path, RefusalStage.Signature, path + separator + PluginManifest.SignatureFileName, why!);
        }
        return new PluginPackage(path, manifest, files, names, signature, schemas);
    }

    /// <summary>Each declared configSchema must be a valid JSON Schema; compiled here, once per package.</summary>
    private static Dictionary<string, ConfigSchema> CompileSchemas(PluginManifest manifest, ManifestLocator at, List<PluginProblem> problems)
    {
        var schemas = new Dictionary<string, ConfigSchema>(StringComparer.Ordinal);
        for (int i = 0; i < manifest.Nfs.Count; i++)
        {
            if (manifest.Nfs[i].ConfigSchema is not { } text) continue;
            var found = new List<ConfigSchemaProblem>();
            var schema = ConfigSchema.Compile(text, $"$.nfs[{i}].configSchema", found);
            if (schema is not null) schemas[manifest.Nfs[i].Type] = schema;
            problems.AddRange(found.Select(p => new PluginProblem(at.Where(p.Path), p.Message)));
        }
        return schemas;
    }

    private static void CheckFileSet(string path, string separator, PluginManifest manifest, Dictionary<string, byte[]> files,
        ManifestLocator at, List<PluginProblem> problems)
    {
        if (!files.ContainsKey(manifest.Model))
            problems.Add(new PluginProblem(at.Where("$.model"), $"the model '{manifest.Model}' is not in the package (every plugin ships its VMN model)"));
        for (int i = 0; i < manifest.Assemblies.Count; i++)
            if (!files.ContainsKey(manifest.Assemblies[i]))
                problems.Add(new PluginProblem(at.Where($"$.assemblies[{i}]"), $"'{manifest.Assemblies[i]}' is not in the package"));
        var listed = new HashSet<string>(manifest.Assemblies, StringComparer.Ordinal) { PluginManifest.FileName, PluginManifest.SignatureFileName, manifest.Model };
        foreach (var name in files.Keys.Order(StringComparer.Ordinal))
            if (!listed.Contains(name))
                problems.Add(new PluginProblem(path.TrimEnd('/', '\\') + separator + name,
                    $"'{name}' is not listed in plugin.json: a package holds exactly plugin.json, signature.json, the model and the listed assemblies " +
                    "(no dependencies, deps.json or native libraries)"));
    }

    /// <summary>Each declared NF is a public class with a matching [NetworkFunction]; each attributed class is declared.</summary>
    private static void CheckNfTypes(PluginManifest manifest, List<(string File, AssemblyInspector.Facts Facts)> facts, ManifestLocator at, List<PluginProblem> problems)
    {
        var byName = facts.SelectMany(f => f.Facts.NfTypes.Select(t => (f.File, Type: t))).ToList();
        for (int i = 0; i < manifest.Nfs.Count; i++)
        {
            var nf = manifest.Nfs[i];
            var match = byName.FirstOrDefault(x => x.Type.FullName == nf.EntryType);
            if (match.Type is null)
            {
                string known = byName.Count == 0 ? "none" : string.Join(", ", byName.Select(x => $"{x.Type.FullName} (\"{x.Type.NfName}\")"));
                problems.Add(new PluginProblem(at.Where($"$.nfs[{i}].entryType"),
                    $"no class '{nf.EntryType}' with a [NetworkFunction] attribute in {string.Join(", ", manifest.Assemblies)}; attributed classes: {known}"));
                continue;
            }
            if (!match.Type.IsPublic)
                problems.Add(new PluginProblem(at.Where($"$.nfs[{i}].entryType"), $"'{nf.EntryType}' must be a public top-level class"));
            if (match.Type.NfName != nf.Type)
                problems.Add(new PluginProblem(at.Where($"$.nfs[{i}].type"),
                    $"'{nf.EntryType}' is [NetworkFunction(\"{match.Type.NfName}\")], but plugin.json names it '{nf.Type}'"));
        }
        foreach (var (file, type) in byName)
            if (!manifest.Nfs.Any(n => n.EntryType == type.FullName))
                problems.Add(new PluginProblem(at.Where("$.nfs"), $"{file} defines NF '{type.NfName}' ({type.FullName}) that plugin.json does not declare"));
    }

    /// <summary>Names a plugin assembly may not take: they would shadow the host, the Sdk or the framework.</summary>
    internal static bool IsReservedName(string name) =>
        name.StartsWith("System.", StringComparison.OrdinalIgnoreCase) || name.StartsWith("Microsoft.", StringComparison.OrdinalIgnoreCase)
        || name is "System" or "mscorlib" or "netstandard" or "WindowsBase"
        || name.Equals("Switchboard.Sdk", StringComparison.OrdinalIgnoreCase) || name.Equals("Switchboard.Host", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Switchboard.Json", StringComparison.OrdinalIgnoreCase) || name.Equals("Switchboard.PolicyCheck", StringComparison.OrdinalIgnoreCase);

    private static PluginProblem ToProblem(ConfigError e) =>
        new(e.Line is int l ? $"{e.Source}:{l}:{e.Column ?? 1}: {e.JsonPath}" : $"{e.Source}: {e.JsonPath}", e.Message);

    private static void Throw(string package, RefusalStage stage, List<PluginProblem> problems)
    {
        if (problems.Count > 0) throw new PluginRefusedException(package, stage, problems.ToList());
    }

    /// <summary>"pkg/plugin.json:7:5: $.nfs[0].type" for a manifest path.</summary>
    private sealed class ManifestLocator(string source, Switchboard.Json.JsonSourceMap map)
    {
        public string Where(string path) => map.Find(path) is { } p ? $"{source}:{p.Line}:{p.Column}: {path}" : $"{source}: {path}";
    }
}
