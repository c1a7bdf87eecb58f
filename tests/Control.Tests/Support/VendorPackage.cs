using System.Text.Json.Nodes;

namespace Switchboard.Control.Tests.Support;

/// <summary>Vendor plugin packages written into a folder for the tests: a manifest, the NF compiled in the test run, a model.</summary>
internal static class VendorPackage
{
    /// <summary>An NF of type <c>counter</c> counting what it forwards under <paramref name="counter"/>.</summary>
    public static string CounterSource(string counter = "seen") => $$"""
        using Switchboard.Sdk;
        namespace Acme.Counter;
        [NetworkFunction("counter", Description = "counts packets")]
        public sealed class CounterNf : INetworkFunction, ICounterSource
        {
            private long _seen;
            public Pipe Build(Pipe input, NfContext context) => input.Filter(p => { _seen++; return true; });
            public void ReadCounters(System.Collections.Generic.ICollection<System.Collections.Generic.KeyValuePair<string, long>> into) => into.Add(new("{{counter}}", _seen));
        }
        """;

    /// <summary>An NF that forges a long from a reference: compiles without `unsafe`; the verifier must refuse it.</summary>
    public const string HostileSource = """
        using System.Runtime.CompilerServices;
        using Switchboard.Sdk;
        namespace Acme.Counter;
        [NetworkFunction("counter")]
        public sealed class CounterNf : INetworkFunction
        {
            public static long AddressOf(object o) => Unsafe.As<object, long>(ref o);
            public Pipe Build(Pipe input, NfContext context) { AddressOf(context); return input; }
        }
        """;

    /// <summary>Writes the package folder <paramref name="folder"/> under <paramref name="dir"/> and returns its path.</summary>
    public static string Write(string dir, string folder, string source, string version = "1.0.0")
    {
        var path = Path.Combine(dir, folder);
        Directory.CreateDirectory(path);
        File.WriteAllBytes(Path.Combine(path, "Acme.Counter.dll"), PluginCompiler.Compile(source, "Acme.Counter"));
        File.WriteAllText(Path.Combine(path, "counter.vmn"), "class Counter {\n  def model(p: Packet) = {\n    _ => forward(Seq(p))\n  }\n}\n");
        var manifest = new JsonObject
        {
            ["id"] = "acme.counter", ["version"] = version, ["vendor"] = "Acme Networks", ["description"] = "counts packets",
            ["nfs"] = new JsonArray(new JsonObject { ["type"] = "counter", ["entryType"] = "Acme.Counter.CounterNf", ["description"] = "counts" }),
            ["assemblies"] = new JsonArray("Acme.Counter.dll"), ["model"] = "counter.vmn",
        };
        File.WriteAllText(Path.Combine(path, "plugin.json"), manifest.ToJsonString());
        return path;
    }
}
