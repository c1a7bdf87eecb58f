using System.Globalization;
using System.Text;
using System.Text.Json;
using Switchboard.Host.Ports;
using Switchboard.Plugins.Firewall;
using Switchboard.Sdk;

namespace Switchboard.Bench;

/// <summary>
/// The C# NFs that have C twins in bench/native, with the configurations the twins hard-code (Maglev, NAT) or
/// read (the firewall's rules file), and the traffic both run on. Shared by <c>./switchboard bench native</c>
/// and the test that checks each twin writes the same bytes as its C# NF (tests/Host.Tests/Dpdk/NativeTwinTests.cs,
/// which compiles this file in).
/// </summary>
internal static class NativeTwins
{
    /// <summary>One C# NF (type and config) and its C twin (sbnative --nf, and --rules for the firewall).</summary>
    public sealed record Twin(string Name, string Type, string Config, string CNf, string? RulesFile = null)
    {
        public JsonElement ConfigElement => JsonDocument.Parse(Config).RootElement.Clone();
    }

    /// <summary>bench/native/nf_maglev.c: eight backends, two of weight 2, DSR (destination MAC 02:00:00:00:01:0k).</summary>
    public const string MaglevConfig = """
        { "mode": "dsr", "tableSize": 65537, "backends": {
            "web-1": { "mac": "02:00:00:00:01:01" }, "web-2": { "mac": "02:00:00:00:01:02" },
            "web-3": { "mac": "02:00:00:00:01:03", "weight": 2 }, "web-4": { "mac": "02:00:00:00:01:04" },
            "web-5": { "mac": "02:00:00:00:01:05" }, "web-6": { "mac": "02:00:00:00:01:06" },
            "web-7": { "mac": "02:00:00:00:01:07", "weight": 2 }, "web-8": { "mac": "02:00:00:00:01:08" } } }
        """;

    /// <summary>bench/native/nf_nat.c: SNAT of 10.0.0.0/8 to 203.0.113.1, ports 1024-65535.</summary>
    public const string NatConfig = """{ "insideNets": ["10.0.0.0/8"], "snat": { "addresses": ["203.0.113.1"], "ports": "1024-65535" } }""";

    /// <summary>The twins other than forward and TTL; firewall rule files are written into <paramref name="dir"/>.</summary>
    public static List<Twin> All(string dir)
    {
        var list = new List<Twin>
        {
            new("maglev", "maglev", MaglevConfig, "maglev"),
            new("nat (snat)", "nat", NatConfig, "nat"),
            new("monitor", "monitor", "{}", "monitor"),
        };
        foreach (int n in new[] { 128, 1000 })
        {
            var rules = FirewallRules(n);
            string file = Path.Combine(dir, $"firewall-{n}.rules");
            WriteRulesFile(rules, file);
            string config = JsonSerializer.Serialize(new { rules, @default = "accept" });
            list.Add(new($"firewall {n} rules", "firewall", config, "firewall", file));
        }
        return list;
    }

    /// <summary>64-byte UDP frames 10.0.0.f:1024+f -> 192.168.1.1:80: 1 000 flows, each <paramref name="rounds"/> times, flow-interleaved.</summary>
    public static void WritePcap(string path, int rounds = 10)
    {
        using var w = new PcapWriter(path, 65535);
        var frame = new byte[64];
        var record = new byte[128];
        long t = 1_700_000_000_000_000;
        for (int rep = 0; rep < rounds; rep++)
            for (int f = 0; f < 1000; f++)
            {
                int n = FrameBuilder.Ipv4Udp(frame, Ipv4.Address("10.0.0.0") + (uint)f, Ipv4.Address("192.168.1.1"), (ushort)(1024 + f), 80, [], frameSize: 64);
                w.Append(record.AsSpan(0, w.WriteRecord(record, t++, frame.AsSpan(0, n))));
            }
    }

    private static readonly int[] Ports = [20, 21, 22, 23, 25, 53, 80, 110, 123, 143, 161, 389, 443, 445, 465, 514, 587, 636,
        993, 995, 1433, 1521, 2049, 3306, 3389, 5060, 5432, 5900, 6379, 8080, 8443, 9200, 11211, 27017];

    /// <summary>
    /// <paramref name="n"/> ACL rules in the style of bench --firewall-rules (ClassBench-like prefixes, ports, protocols,
    /// states), none of which matches the bench traffic (destinations are in 172.16.0.0/16 or 192.168.0.0/16 but
    /// outside 192.168.1.0/24), then one that accepts it: every packet is compared with every rule, the linear
    /// scan's worst case and the same work on every packet.
    /// </summary>
    public static List<string> FirewallRules(int n)
    {
        var r = new Random(n);
        var rules = new List<string>();
        while (rules.Count < n - 1)
        {
            var parts = new List<string> { r.Next(4) == 0 ? "drop" : "accept" };
            string proto = r.Next(10) switch { < 7 => "tcp", < 9 => "udp", _ => "" };
            if (proto.Length > 0) parts.Add(proto);
            if (r.Next(10) < 6) parts.Add($"from {Prefix(r, 0x0A000000, 8, 32)}");
            string to;
            do to = r.Next(2) == 0 ? Prefix(r, 0xAC100000, 24, 32) : Prefix(r, 0xC0A80000, 24, 32);
            while (to.StartsWith("192.168.1.", StringComparison.Ordinal));
            if (proto.Length > 0 && r.Next(10) < 8)
            {
                string ports = r.Next(10) switch
                {
                    < 6 => Ports[r.Next(Ports.Length)].ToString(CultureInfo.InvariantCulture),
                    < 8 => $"{Ports[r.Next(Ports.Length)]},{Ports[r.Next(Ports.Length)]}",
                    < 9 => "1024-65535",
                    _ => $"{r.Next(1024, 30000)}-{r.Next(30000, 65536)}",
                };
                parts.Add($"to {to} port {ports}");
                if (r.Next(10) == 0) parts.Add("sport 1024-65535");
            }
            else parts.Add($"to {to}");
            if (r.Next(5) == 0) parts.Add("state new");
            rules.Add(string.Join(" ", parts));
        }
        rules.Add("accept udp to 192.168.1.0/24 port 80");
        return rules;
    }

    private static string Prefix(Random r, uint network, int min, int max)
    {
        int len = r.Next(min, max + 1);
        uint a = network | (uint)r.Next() & ~(uint.MaxValue << (32 - 16));
        a &= uint.MaxValue << (32 - len);
        return $"{Ipv4.Format(a)}/{len}";
    }

    /// <summary>The parsed rules as nf_firewall.c reads them: action, then per field "*" or LO-HI,... in 32 hex digits.</summary>
    public static void WriteRulesFile(IReadOnlyList<string> texts, string path)
    {
        var sb = new StringBuilder();
        foreach (var rule in RuleParser.ParseAll(texts))
        {
            sb.Append(rule.Accept ? "accept" : "drop");
            for (int f = 0; f < FirewallRule.FieldCount; f++)
            {
                var ranges = rule.Ranges((RuleField)f);
                sb.Append(' ');
                if (ranges.Count == 0) { sb.Append('*'); continue; }
                sb.Append(string.Join(",", ranges.Select(x => $"{Hex(x.Low)}-{Hex(x.High)}")));
            }
            sb.Append('\n');
        }
        File.WriteAllText(path, sb.ToString());
        static string Hex(UInt128 v) => $"{(ulong)(v >> 64):x16}{(ulong)v:x16}";
    }
}
