using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Switchboard.Host.Tests.Config;

namespace Switchboard.Host.Tests.Plugins;

/// <summary>
/// Packages for the plugin tests: the first-party packages the build assembled (Plugins/*/bin/.../package), and
/// vendor packages written into temp folders from C# compiled in the test run.
/// </summary>
internal static class PluginFixtures
{
#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    /// <summary>The package folder `dotnet build` assembled for first-party plugin <paramref name="name"/> (e.g. "Ttl").</summary>
    public static string FirstParty(string name)
    {
        var dir = Path.Combine(ConfigTestFiles.RepoRoot, "Plugins", name, "bin", Configuration, "net10.0", "package");
        Assert.That(Directory.Exists(dir), Is.True, $"{dir} was not built (build/Switchboard.Plugin.targets runs after the plugin's build)");
        return dir;
    }

    /// <summary>A copy of a first-party package in <paramref name="dir"/> (tests may change it).</summary>
    public static string CopyFirstParty(string name, TempDir dir, string? as_ = null)
    {
        var target = Path.Combine(dir.Path, as_ ?? name.ToLowerInvariant());
        Directory.CreateDirectory(target);
        foreach (var f in Directory.GetFiles(FirstParty(name))) File.Copy(f, Path.Combine(target, Path.GetFileName(f)));
        return target;
    }

    public const string CounterSource = """
        using Switchboard.Sdk;
        namespace Acme.Counter;
        [NetworkFunction("counter", Description = "counts packets")]
        public sealed class CounterNf : INetworkFunction, ICounterSource
        {
            private long _seen;
            public Pipe Build(Pipe input, NfContext context) => input.Filter(p => { _seen++; return true; });
            public void ReadCounters(System.Collections.Generic.ICollection<System.Collections.Generic.KeyValuePair<string, long>> into) => into.Add(new("seen", _seen));
        }
        """;

    /// <summary>A vendor package folder: <paramref name="source"/> compiled as Acme.Counter.dll, a manifest and a model.</summary>
    public static string Vendor(TempDir dir, string folder = "acme", string source = CounterSource, string version = "1.0.0",
        string id = "acme.counter", string nfType = "counter", string entryType = "Acme.Counter.CounterNf", string assemblyName = "Acme.Counter")
    {
        var path = Path.Combine(dir.Path, folder);
        Directory.CreateDirectory(path);
        File.WriteAllBytes(Path.Combine(path, assemblyName + ".dll"), Compile(source, assemblyName));
        File.WriteAllText(Path.Combine(path, "counter.vmn"), "class Counter {\n  def model(p: Packet) = {\n    _ => forward(Seq(p))\n  }\n}\n");
        WriteManifest(path, id, version, nfType, entryType, assemblyName + ".dll");
        return path;
    }

    public static void WriteManifest(string folder, string id, string version, string nfType, string entryType, string assembly)
    {
        var manifest = new JsonObject
        {
            ["id"] = id, ["version"] = version, ["vendor"] = "Acme Networks", ["description"] = "test plugin",
            ["nfs"] = new JsonArray(new JsonObject { ["type"] = nfType, ["entryType"] = entryType, ["description"] = "counts" }),
            ["assemblies"] = new JsonArray(assembly), ["model"] = "counter.vmn",
        };
        File.WriteAllText(Path.Combine(folder, "plugin.json"), manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Zips a package folder (flat) into <paramref name="zipPath"/>.</summary>
    public static string Zip(string folder, string zipPath)
    {
        ZipFile.CreateFromDirectory(folder, zipPath);
        return zipPath;
    }

    private static readonly Lazy<MetadataReference[]> s_references = new(LoadReferences);

    /// <summary>Compiles C# into a plugin-style library against the framework and the Sdk.</summary>
    public static byte[] Compile(string source, string assemblyName)
    {
        var tree = CSharpSyntaxTree.ParseText(source);
        var options = new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release);
        var compilation = CSharpCompilation.Create(assemblyName, [tree], s_references.Value, options);
        using var ms = new MemoryStream();
        var emit = compilation.Emit(ms);
        if (!emit.Success) throw new InvalidOperationException("test plugin does not compile:\n" + string.Join("\n", emit.Diagnostics));
        return ms.ToArray();
    }

    // The runtime's own assemblies are good enough references for test plugins.
    private static MetadataReference[] LoadReferences() =>
        [.. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)),
         MetadataReference.CreateFromFile(typeof(Switchboard.Sdk.Pipe).Assembly.Location)];
}
