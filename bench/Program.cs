using System.Diagnostics;
using System.Text.Json;
using Switchboard.Host.Cli;
using Switchboard.Host.Config;
using Switchboard.Host.Runtime;

// ./switchboard bench [--seconds S] [--repeats R] [--only NAME]
// ./switchboard bench --micro [S] | --firewall-rules [S]   (operator costs; firewall classification vs rule count)
// One core, generator port (1000 flows, 64-byte frames, as fast as possible) -> NFs -> null port.
// Each case runs R times, interleaved with the others, and the median is reported.
// ./switchboard bench native [...]: C# NFs against their C twins on a DPDK path (bench/NativeBench.cs).
if (args.Length > 0 && args[0] == "native") return Switchboard.Bench.NativeBench.Run(args[1..]);

double seconds = 2;
int repeats = 3;
string? only = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--seconds": seconds = double.Parse(args[++i]); break;
        case "--repeats": repeats = int.Parse(args[++i]); break;
        case "--only": only = args[++i]; break;
        case "--verify": Switchboard.Bench.VerifyBench.Run(args.Length > i + 1 ? int.Parse(args[++i]) : 20); return 0;
        case "--plugins": Switchboard.Bench.PluginLoadBench.Run(args.Length > i + 1 ? int.Parse(args[++i]) : 10); return 0;
        case "--micro": Switchboard.Bench.Micro.Run(args.Length > i + 1 ? double.Parse(args[++i]) : 1); return 0;
        case "--firewall-rules": Switchboard.Bench.FirewallRules.Run(args.Length > i + 1 ? double.Parse(args[++i]) : 0.5); return 0;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 64;
    }
}

var registry = NfRegistry.BuiltIn();
registry.AddAssembly(typeof(Switchboard.Bench.ForwardNf).Assembly);

var cases = new List<(string Name, string[] Nfs)>
{
    ("forward", ["bench-forward"]),
    ("ttl (struct UDFs)", ["ttl"]),
    ("ttl (delegate UDFs)", ["bench-ttl-delegate"]),
    ("monitor", ["monitor"]),
};
foreach (int n in new[] { 1, 2, 4, 8 }) cases.Add(($"chain of {n} ttl", Enumerable.Repeat("ttl", n).ToArray()));
// Per-operator costs: eight copies amplify the NF's own cost over the fixed I/O cost.
foreach (var nf in new[] { "bench-forward", "bench-parse-eth", "bench-parse-ip", "bench-touch-struct", "bench-touch-delegate" })
    cases.Add(($"8 x {nf["bench-".Length..]}", Enumerable.Repeat(nf, 8).ToArray()));
if (only is not null) cases = cases.Where(c => c.Name.Contains(only, StringComparison.OrdinalIgnoreCase)).ToList();

Console.WriteLine($"Switchboard bench: 1 core, generator (1000 flows, 64 B) -> NFs -> null; {seconds:g} s x {repeats}, median. {Environment.ProcessorCount} CPUs, .NET {Environment.Version}");
var results = cases.ToDictionary(c => c.Name, _ => new List<double>());
for (int r = 0; r < repeats; r++)
    foreach (var c in cases)
        results[c.Name].Add(Measure(c.Nfs, seconds));

var rows = cases.Select(c =>
{
    var xs = results[c.Name].OrderBy(x => x).ToList();
    double median = xs[xs.Count / 2];
    return new[] { c.Name, $"{median:F2}", $"{xs[0]:F2}", $"{xs[^1]:F2}", $"{1000.0 / median:F1}" };
}).ToList();
Console.Write(Report.Table(["case", "Mpps (median)", "min", "max", "ns/pkt"], rows));
return 0;

double Measure(string[] nfs, double secs)
{
    var ports = new Dictionary<string, PortSpec>
    {
        ["gen"] = new GeneratorPortSpec("gen", "$.ports.gen") { Flows = 1000, MinSize = 64, MaxSize = 64 },
        ["sink"] = new NullPortSpec("sink", "$.ports.sink"),
    };
    var empty = JsonDocument.Parse("{}").RootElement.Clone();
    var nfSpecs = nfs.Select((t, i) => new NfSpec($"nf{i}", t, empty, $"$.nfs.nf{i}")).ToDictionary(n => n.Name);
    var chain = new ChainSpec("bench", "gen", nfSpecs.Keys.ToList(), "sink", "$.chains[0]");
    var deployment = new Deployment(1, 32, ports, nfSpecs, [chain], [], "bench");
    using var dp = Dataplane.Build(deployment, registry, _ => { });
    dp.Start();
    Thread.Sleep(300); // warm-up: tiered JIT reaches the optimised code
    long start = dp.Ports["sink"].Counters.TxPackets + dp.Workers[0].Core.DroppedTotal;
    var sw = Stopwatch.StartNew();
    Thread.Sleep(TimeSpan.FromSeconds(secs));
    long end = dp.Ports["sink"].Counters.TxPackets + dp.Workers[0].Core.DroppedTotal;
    double elapsed = sw.Elapsed.TotalSeconds;
    dp.Stop();
    return (end - start) / elapsed / 1e6;
}
