using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Switchboard.Verifier.Tests.Support;

/// <summary>Compiles a C# plugin in the test run, as a vendor's build would: against the framework's
/// reference assemblies and the Sdk, into a library.</summary>
internal static class PluginCompiler
{
    private static readonly Lazy<MetadataReference[]> s_references = new(LoadReferences);

    public static byte[] Compile(string source, string assemblyName = "Vendor.Plugin", bool allowUnsafe = false)
    {
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Preview));
        var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary,
            optimizationLevel: OptimizationLevel.Release, allowUnsafe: allowUnsafe, nullableContextOptions: NullableContextOptions.Enable);
        var compilation = CSharpCompilation.Create(assemblyName, [tree], s_references.Value, options);
        using var ms = new MemoryStream();
        var emit = compilation.Emit(ms);
        var errors = emit.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (!emit.Success) throw new InvalidOperationException("test plugin does not compile:\n" + string.Join("\n", errors));
        return ms.ToArray();
    }

    private static MetadataReference[] LoadReferences()
    {
        var sdk = MetadataReference.CreateFromFile(typeof(Switchboard.Sdk.Pipe).Assembly.Location);
        return [.. FrameworkReferenceAssemblies().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)), sdk];
    }

    // The targeting pack next to the running runtime (what `dotnet build` compiles against); the
    // runtime's own assemblies when no pack is installed.
    private static IEnumerable<string> FrameworkReferenceAssemblies()
    {
        var runtimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var dotnetRoot = Path.GetFullPath(Path.Combine(runtimeDir, "..", "..", ".."));
        var packs = Path.Combine(dotnetRoot, "packs", "Microsoft.NETCore.App.Ref");
        string tfm = $"net{Environment.Version.Major}.{Environment.Version.Minor}";
        if (Directory.Exists(packs))
        {
            var best = Directory.GetDirectories(packs)
                .Select(d => (Dir: d, Version: Version.TryParse(Path.GetFileName(d).Split('-')[0], out var v) ? v : null))
                .Where(x => x.Version != null && x.Version.Major == Environment.Version.Major && Directory.Exists(Path.Combine(x.Dir, "ref", tfm)))
                .OrderByDescending(x => x.Version).FirstOrDefault();
            if (best.Dir != null) return Directory.GetFiles(Path.Combine(best.Dir, "ref", tfm), "*.dll");
        }
        return ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll");
    }

    /// <summary>Bytes of an in-tree assembly that the test project references (e.g. a first-party plugin).</summary>
    public static byte[] InTree(Assembly assembly) => File.ReadAllBytes(assembly.Location);
}
