using System.Collections.Concurrent;
using System.Reflection;
using Switchboard.Host.Runtime;
using Switchboard.Host.Verification;

namespace Switchboard.Host.Control;

/// <summary>
/// The plugins compiled into the host (the in-tree NFs), each with the IL verifier's verdict on its assembly
/// file. Plugin packages' NF types are skipped: their assemblies are collectible, and caching them here would
/// keep an unloaded plugin alive.
/// </summary>
internal sealed class BuiltInPlugins(NfRegistry registry)
{
    /// <summary>Largest assembly the control plane reads from the switch's disk.</summary>
    public const long MaxAssemblyBytes = 64L * 1024 * 1024;

    private readonly ConcurrentDictionary<Assembly, VerificationResult?> _verdicts = new();

    public IReadOnlyList<PluginRecord> List() =>
        registry.BuiltInTypes.GroupBy(t => t.Type.Assembly).OrderBy(g => g.Key.GetName().Name, StringComparer.Ordinal).Select(g =>
        {
            var assembly = g.Key;
            var result = _verdicts.GetOrAdd(assembly, VerifyFile);
            var verdict = result is null ? PluginVerdict.Unknown : result.Ok ? PluginVerdict.Verified : PluginVerdict.Refused;
            string name = assembly.GetName().Name ?? "?";
            return new PluginRecord(name, assembly.GetName().Version?.ToString() ?? "", assembly.GetCustomAttribute<AssemblyCompanyAttribute>()?.Company ?? "",
                name, "built-in", BuiltIn: true, g.Select(t => t.Name).ToList(), verdict, Signer: null, result);
        }).ToList();

    private static VerificationResult? VerifyFile(Assembly assembly)
    {
        if (string.IsNullOrEmpty(assembly.Location) || !File.Exists(assembly.Location)) return null;
        try { return PluginVerifier.Verify(File.ReadAllBytes(assembly.Location)); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
