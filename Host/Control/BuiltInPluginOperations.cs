using System.Collections.Concurrent;
using System.IO.Compression;
using System.Reflection;
using Switchboard.Host.Runtime;
using Switchboard.Host.Verification;

namespace Switchboard.Host.Control;

/// <summary>
/// The plugin operations this host can do today: it lists the plugins built into it (the in-tree NFs,
/// with the IL verifier's verdict on each assembly's file), and it verifies a package's assemblies so a
/// hostile package is refused with its violations. Loading packages and every hot change to the
/// running pipelines need Host/Plugins and the runtime's hot swap; until those are wired in, those
/// operations fail with <see cref="PluginOperationError.Unimplemented"/> and say so. Nothing is ever
/// reported as done that was not done.
/// </summary>
internal sealed class BuiltInPluginOperations(NfRegistry registry) : IPluginOperations
{
    /// <summary>Largest package or assembly read from disk (uploads are bounded by the gRPC message limit).</summary>
    public const long MaxPackageBytes = 64L * 1024 * 1024;

    private const string NoLoader = "loading plugin packages needs the plugin loader (Host/Plugins), which this host does not have yet";
    private const string NoHotSwap = "changing running pipelines needs hot insert/replace/remove in the dataplane (Host/Runtime), which this host does not have yet";

    private readonly ConcurrentDictionary<Assembly, VerificationResult?> _verdicts = new();

    public IReadOnlyList<string> Unavailable { get; } =
    [
        "PluginService.Load", "PluginService.Replace", "PluginService.Unload",
        "ChainService.Create", "ChainService.Delete", "ChainService.InsertNf", "ChainService.RemoveNf",
    ];

    public bool SignatureRequired => false;

    public IReadOnlyList<PluginRecord> ListPlugins() =>
        registry.Types.GroupBy(t => t.Type.Assembly).OrderBy(g => g.Key.GetName().Name, StringComparer.Ordinal).Select(g =>
        {
            var assembly = g.Key;
            var result = _verdicts.GetOrAdd(assembly, VerifyFile);
            var verdict = result is null ? PluginVerdict.Unknown : result.Ok ? PluginVerdict.Verified : PluginVerdict.Refused;
            string name = assembly.GetName().Name ?? "?";
            return new PluginRecord(name, assembly.GetName().Version?.ToString() ?? "", assembly.GetCustomAttribute<AssemblyCompanyAttribute>()?.Company ?? "",
                name, "built-in", BuiltIn: true, g.Select(t => t.Name).ToList(), verdict, Signer: null, result);
        }).ToList();

    public Task<LoadOutcome> LoadPackageAsync(PackageInput package, CancellationToken cancel)
    {
        int passed = VerifyPackage(package);
        throw new PluginOperationException(PluginOperationError.Unimplemented,
            $"{package.DisplayName}: {NoLoader}; its {passed} assembly(ies) passed IL verification, but nothing was loaded.");
    }

    public Task<ReplaceOutcome> ReplaceAsync(string instance, Replacement replacement, CancellationToken cancel)
    {
        if (replacement.Package is { } package) VerifyPackage(package);
        throw new PluginOperationException(PluginOperationError.Unimplemented,
            $"cannot replace NF instance '{instance}': {NoHotSwap}{(replacement.Package is null ? "" : $", and {NoLoader}")}; '{instance}' keeps running unchanged.");
    }

    public Task<UnloadOutcome> UnloadAsync(string pluginId, CancellationToken cancel)
    {
        var plugins = ListPlugins();
        if (plugins.Any(p => p.Id == pluginId))
            throw new PluginOperationException(PluginOperationError.FailedPrecondition,
                $"plugin '{pluginId}' is built into the host and cannot be unloaded; only plugins loaded from packages can.");
        throw new PluginOperationException(PluginOperationError.NotFound,
            $"no plugin '{pluginId}' is loaded (plugins: {string.Join(", ", plugins.Select(p => p.Id))}).");
    }

    public Task<ChainChangeOutcome> CreateChainAsync(ChainDefinition chain, IReadOnlyList<NfDefinition> newInstances, CancellationToken cancel) =>
        throw Unimplemented($"cannot create chain '{chain.Name}'");

    public Task<ChainChangeOutcome> DeleteChainAsync(string chain, CancellationToken cancel) =>
        throw Unimplemented($"cannot delete chain '{chain}'");

    public Task<ChainChangeOutcome> InsertNfAsync(string chain, string? existing, NfDefinition? created, int position, CancellationToken cancel) =>
        throw Unimplemented($"cannot insert NF instance '{existing ?? created?.Name}' into chain '{chain}'");

    public Task<ChainChangeOutcome> RemoveNfAsync(string chain, string instance, CancellationToken cancel) =>
        throw Unimplemented($"cannot remove NF instance '{instance}' from chain '{chain}'");

    private static PluginOperationException Unimplemented(string what) =>
        new(PluginOperationError.Unimplemented, $"{what}: {NoHotSwap}; the running chains are unchanged.");

    /// <summary>Verify every assembly of a package; throws <see cref="PluginOperationError.Refused"/> listing the
    /// violations when one is refused. Returns how many assemblies passed.</summary>
    private static int VerifyPackage(PackageInput package)
    {
        var assemblies = PackageAssemblies.Assemblies(package);
        if (assemblies.Count == 0)
            throw new PluginOperationException(PluginOperationError.InvalidArgument, $"{package.DisplayName}: the package contains no assembly (.dll).");
        var refused = assemblies.Select(a => (a.Name, Result: PluginVerifier.Verify(a.Bytes))).Where(r => !r.Result.Ok).ToList();
        if (refused.Count > 0)
            throw new PluginOperationException(PluginOperationError.Refused, RefusalMessage(package.DisplayName, refused));
        return assemblies.Count;
    }

    /// <summary>"pkg: refused by the IL verifier: a.dll: 3 violation(s): ..." with at most a few violations each.</summary>
    public static string RefusalMessage(string package, IEnumerable<(string Name, VerificationResult Result)> refused, int perAssembly = 5)
    {
        var parts = refused.Select(r =>
        {
            var shown = r.Result.Violations.Take(perAssembly).Select(v => v.ToString());
            int more = r.Result.Violations.Count - perAssembly;
            return $"{r.Name}: {r.Result.Violations.Count} violation(s): {string.Join("; ", shown)}{(more > 0 ? $"; and {more} more (ctl verify lists all)" : "")}";
        });
        return $"{package}: refused by the IL verifier, nothing was loaded: {string.Join(" | ", parts)}";
    }

    private static VerificationResult? VerifyFile(Assembly assembly)
    {
        if (string.IsNullOrEmpty(assembly.Location) || !File.Exists(assembly.Location)) return null;
        try { return PluginVerifier.Verify(File.ReadAllBytes(assembly.Location)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}

/// <summary>Reads the assemblies of a package given as a .dll, a folder, or a zip (path or uploaded bytes).</summary>
internal static class PackageAssemblies
{
    public static IReadOnlyList<(string Name, byte[] Bytes)> Assemblies(PackageInput package)
    {
        if (package.Content is { } content)
        {
            string name = package.FileName ?? "uploaded";
            return IsZip(content.Span) ? FromZip(new MemoryStream(content.ToArray()), name) : [(name, content.ToArray())];
        }
        string path = package.Path ?? throw new PluginOperationException(PluginOperationError.InvalidArgument, "the package has neither a path nor content.");
        try
        {
            if (Directory.Exists(path))
                return Directory.GetFiles(path, "*.dll", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
                    .Select(f => (Path.GetRelativePath(path, f), ReadBounded(f))).ToList();
            if (!File.Exists(path))
                throw new PluginOperationException(PluginOperationError.NotFound, $"{path}: no such file or folder on the switch's machine.");
            var bytes = ReadBounded(path);
            return IsZip(bytes) ? FromZip(new MemoryStream(bytes), path) : [(Path.GetFileName(path), bytes)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PluginOperationException(PluginOperationError.FailedPrecondition, $"{path}: cannot be read: {e.Message}");
        }
    }

    private static bool IsZip(ReadOnlySpan<byte> b) => b.Length >= 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4;

    private static byte[] ReadBounded(string path)
    {
        long length = new FileInfo(path).Length;
        if (length > BuiltInPluginOperations.MaxPackageBytes)
            throw new PluginOperationException(PluginOperationError.InvalidArgument, $"{path}: {length} bytes is more than the {BuiltInPluginOperations.MaxPackageBytes} a package may have.");
        return File.ReadAllBytes(path);
    }

    private static List<(string, byte[])> FromZip(Stream stream, string name)
    {
        try
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read);
            var list = new List<(string, byte[])>();
            long total = 0;
            foreach (var entry in zip.Entries.Where(e => e.FullName.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)).OrderBy(e => e.FullName, StringComparer.Ordinal))
            {
                total += entry.Length;
                if (total > BuiltInPluginOperations.MaxPackageBytes)
                    throw new PluginOperationException(PluginOperationError.InvalidArgument, $"{name}: its assemblies unpack to more than {BuiltInPluginOperations.MaxPackageBytes} bytes.");
                using var s = entry.Open();
                var ms = new MemoryStream((int)entry.Length);
                s.CopyTo(ms);
                list.Add(($"{name}!{entry.FullName}", ms.ToArray()));
            }
            return list;
        }
        catch (InvalidDataException e)
        {
            throw new PluginOperationException(PluginOperationError.InvalidArgument, $"{name}: not a valid zip: {e.Message}");
        }
    }
}
