using System.Diagnostics;
using Switchboard.Plugins.Firewall;

namespace Switchboard.Bench;

/// <summary>
/// Firewall classification cost against rule count (./switchboard bench --firewall-rules [seconds]):
/// the compiled bit-vector classifier and the linear reference on the same ClassBench-like ACLs
/// (prefixes, well-known ports and ranges, protocols, states) and the same packets, half of them
/// aimed at a random rule and half random. Classification only: no I/O, no connection tracking.
/// </summary>
internal static class FirewallRules
{
    private static readonly int[] Ports = [20, 21, 22, 23, 25, 53, 80, 110, 123, 143, 161, 389, 443, 445, 465, 514, 587, 636,
        993, 995, 1433, 1521, 2049, 3306, 3389, 5060, 5432, 5900, 6379, 8080, 8443, 9200, 11211, 27017];

    public static void Run(double seconds)
    {
        Console.WriteLine("Firewall classification, CPU ns per packet (compiled = aggregated bit vectors, linear = first-match scan):");
        Console.WriteLine($"{"rules",8} {"compiled",10} {"linear",10} {"build ms",9} {"MB",8} {"matched",8}");
        foreach (int n in new[] { 10, 100, 1000, 10_000 })
        {
            var rng = new Random(n);
            var rules = RuleParser.ParseAll(Enumerable.Range(0, n).Select(_ => Rule(rng)).ToList());
            var sw = Stopwatch.StartNew();
            var compiled = new BitVectorClassifier(rules);
            double buildMs = sw.Elapsed.TotalMilliseconds;
            var linear = new LinearClassifier(rules);
            var packets = Enumerable.Range(0, 4096).Select(_ => Packet(rng, rules)).ToArray();
            int matched = 0;
            foreach (var p in packets)
            {
                int a = compiled.Classify(p), b = linear.Classify(p);
                if (a != b) throw new InvalidOperationException($"classifiers disagree at {n} rules: {a} vs {b}");
                if (a >= 0) matched++;
            }
            double c = NsPerPacket(compiled, packets, seconds), l = NsPerPacket(linear, packets, seconds);
            Console.WriteLine($"{n,8} {c,10:F1} {l,10:F1} {buildMs,9:F1} {compiled.MemoryBytes / 1e6,8:F2} {matched * 100.0 / packets.Length,7:F0}%");
        }
    }

    private static double NsPerPacket(IRuleClassifier c, PacketFields[] packets, double seconds)
    {
        // CPU time rather than wall time, so a loaded machine (other processes holding the core) skews less.
        long done = 0, sink = 0;
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed.TotalSeconds < seconds)
        {
            foreach (var p in packets) sink += c.Classify(p);
            done += packets.Length;
        }
        process.Refresh();
        GC.KeepAlive(sink);
        return (process.TotalProcessorTime - cpu0).TotalNanoseconds / done;
    }

    private static string Rule(Random r)
    {
        var parts = new List<string> { r.Next(4) == 0 ? "drop" : "accept" };
        string proto = r.Next(10) switch { < 7 => "tcp", < 9 => "udp", _ => "" };
        if (proto.Length > 0) parts.Add(proto);
        if (r.Next(10) < 6) parts.Add($"from {Prefix(r, 0x0A000000, 8, 32)}");
        // Every rule names its destination (as ACLs in ClassBench's seeds nearly always do), so no rule catches everything.
        string to = r.Next(2) == 0 ? Prefix(r, 0xAC100000, 16, 32) : Prefix(r, 0xC0A80000, 16, 32);
        if (proto.Length > 0 && r.Next(10) < 8)
        {
            string ports = r.Next(10) switch
            {
                < 6 => Ports[r.Next(Ports.Length)].ToString(),
                < 8 => $"{Ports[r.Next(Ports.Length)]},{Ports[r.Next(Ports.Length)]}",
                < 9 => "1024-65535",
                _ => $"{r.Next(1024, 30000)}-{r.Next(30000, 65536)}",
            };
            parts.Add($"to {to} port {ports}");
            if (r.Next(10) == 0) parts.Add("sport 1024-65535");
        }
        else parts.Add($"to {to}");
        if (r.Next(5) == 0) parts.Add("state new");
        return string.Join(" ", parts);
    }

    private static string Prefix(Random r, uint network, int min, int max)
    {
        int len = r.Next(min, max + 1);
        uint a = network | (uint)r.Next() & ~(uint.MaxValue << (32 - min));
        a &= len == 0 ? 0 : uint.MaxValue << (32 - len);
        return $"{Switchboard.Sdk.Ipv4.Format(a)}/{len}";
    }

    /// <summary>Half the packets take each field from a random rule's ranges, half are random.</summary>
    private static PacketFields Packet(Random r, IReadOnlyList<FirewallRule> rules)
    {
        var target = r.Next(2) == 0 ? rules[r.Next(rules.Count)] : null;
        UInt128 Pick(RuleField f, UInt128 fallbackLow, UInt128 fallbackHigh)
        {
            var ranges = target?.Ranges(f);
            var (lo, hi) = ranges is { Count: > 0 } ? (ranges[r.Next(ranges.Count)].Low, ranges[r.Next(ranges.Count)].High) : (fallbackLow, fallbackHigh);
            if (hi < lo) (lo, hi) = (hi, lo);
            ulong span = (ulong)UInt128.Min(hi - lo, ulong.MaxValue - 1);
            return lo + (UInt128)(ulong)r.NextInt64(0, (long)Math.Min(span, long.MaxValue - 1) + 1);
        }
        UInt128 v4 = (UInt128)0xFFFF_0000_0000UL;
        int proto = (int)Pick(RuleField.Protocol, 6, 6);
        if (target is null) proto = r.Next(10) < 7 ? 6 : 17;
        return new PacketFields
        {
            Source = Pick(RuleField.Source, v4 | 0x0A000000, v4 | 0x0AFFFFFF),
            Destination = r.Next(2) == 0 ? Pick(RuleField.Destination, v4 | 0xAC100000, v4 | 0xAC1FFFFF) : Pick(RuleField.Destination, v4 | 0xC0A80000, v4 | 0xC0A8FFFF),
            Protocol = proto,
            SourcePort = (int)Pick(RuleField.SourcePort, 1024, 65535),
            DestinationPort = (int)Pick(RuleField.DestinationPort, 1, 1024),
            State = (ConnState)(int)Pick(RuleField.State, 0, 1),
        };
    }
}
