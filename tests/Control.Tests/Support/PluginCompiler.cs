using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Switchboard.Control.Tests.Support;

/// <summary>Compiles a small plugin in the test run against the running framework and the Sdk (as in Verifier.Tests).</summary>
internal static class PluginCompiler
{
    public static byte[] Compile(string source, string assemblyName = "Vendor.Hostile")
    {
        var runtimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetDirectoryName(p) == runtimeDir && (Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) == "netstandard.dll"))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .Append(MetadataReference.CreateFromFile(typeof(Switchboard.Sdk.Pipe).Assembly.Location));
        var compilation = CSharpCompilation.Create(assemblyName, [CSharpSyntaxTree.ParseText(source)], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release));
        using var ms = new MemoryStream();
        var emit = compilation.Emit(ms);
        if (!emit.Success) throw new InvalidOperationException("test plugin does not compile:\n" + string.Join("\n", emit.Diagnostics));
        return ms.ToArray();
    }

    /// <summary>Forges a long from a reference with Unsafe.As: compiles without `unsafe`, and the verifier must refuse it.</summary>
    public static readonly Lazy<byte[]> Hostile = new(() => Compile("""
        using System.Runtime.CompilerServices;
        public static class Forger
        {
            public static long AddressOf(object o) => Unsafe.As<object, long>(ref o);
        }
        """));

    /// <summary>The first-party TTL plugin's assembly, as built.</summary>
    public static string TtlPath => typeof(Switchboard.Plugins.Ttl.TtlNf).Assembly.Location;
}
