using Switchboard.Plugins.Firewall;

namespace Switchboard.Plugins.Tests.Firewall;

/// <summary>The compiled bit-vector classifier must pick the same rule as the linear scan, always.</summary>
public class ClassifierDifferentialTests
{
    [TestCase(1, 1)]
    [TestCase(2, 10)]
    [TestCase(3, 64)]
    [TestCase(4, 65)]
    [TestCase(5, 300)]
    [TestCase(6, 1500)]
    [TestCase(7, 4500)] // more than 4096 rules: several summary words
    public void CompiledAndLinearAgreeOnRandomRulesAndPackets(int seed, int ruleCount)
    {
        var rng = new Random(seed);
        var rules = Enumerable.Range(0, ruleCount).Select(_ => RuleParser.Parse(RandomRules.Rule(rng))).ToList();
        var linear = new LinearClassifier(rules);
        var compiled = new BitVectorClassifier(rules);
        int matched = 0;
        int packets = ruleCount > 2000 ? 3000 : 20_000; // the linear reference is slow on big sets
        for (int i = 0; i < packets; i++)
        {
            var p = RandomRules.Packet(rng);
            int expected = linear.Classify(p), actual = compiled.Classify(p);
            if (expected != actual)
                Assert.Fail($"packet {i}: compiled picked {actual}, linear {expected} ({(expected >= 0 ? rules[expected].Text : "default")})");
            if (expected >= 0) matched++;
        }
        Assert.That(matched, Is.GreaterThan(200), "the random packets exercise the rules, not just the default");
    }

    [Test]
    public void NoRulesMeansTheDefault()
    {
        var p = RandomRules.Packet(new Random(9));
        Assert.That(new BitVectorClassifier([]).Classify(p), Is.EqualTo(-1));
        Assert.That(new LinearClassifier([]).Classify(p), Is.EqualTo(-1));
    }

    [Test]
    public void FirstMatchWinsAcrossWordBoundaries()
    {
        // 130 rules: the only ones matching port 22 are rule 70 (drop) and rule 129 (accept).
        var texts = Enumerable.Range(0, 130).Select(i => i switch
        {
            70 => "drop tcp to any port 22",
            129 => "accept tcp",
            _ => $"accept udp to any port {1000 + i}",
        }).ToList();
        var c = new BitVectorClassifier(RuleParser.ParseAll(texts));
        var p = new PacketFields { Protocol = 6, SourcePort = 40000, DestinationPort = 22, Source = 1, Destination = 2 };
        Assert.That(c.Classify(p), Is.EqualTo(70));
        p.DestinationPort = 23;
        Assert.That(c.Classify(p), Is.EqualTo(129));
        p.Protocol = 17;
        p.DestinationPort = 1100;
        Assert.That(c.Classify(p), Is.EqualTo(100));
    }
}

/// <summary>Random rules and packets over small value pools, so that rules overlap and packets hit them.</summary>
internal static class RandomRules
{
    private static readonly int[] PortPool = [22, 53, 80, 443, 1024, 1025, 8080, 65535];

    public static string Rule(Random r)
    {
        var parts = new List<string> { r.Next(2) == 0 ? "accept" : "drop" };
        int fam = r.Next(4); // 0 any, 1 ip, 2 ip6, 3 any
        if (fam == 1) parts.Add("ip");
        if (fam == 2) parts.Add("ip6");
        bool v6 = fam == 2 || (fam != 1 && r.Next(3) == 0);
        string? proto = r.Next(5) switch { 0 => "tcp", 1 => "udp", 2 => v6 ? "icmpv6" : "icmp", 3 => "proto 47", _ => null };
        if (proto is not null) parts.Add(proto);
        bool ports = proto is "tcp" or "udp";
        if (r.Next(2) == 0)
            parts.Add("from " + (r.Next(5) == 0 ? "any" : AddressList(r, v6)) + (ports && r.Next(3) == 0 ? " port " + PortList(r) : ""));
        if (r.Next(2) == 0)
            parts.Add("to " + (r.Next(5) == 0 ? "any" : AddressList(r, v6)) + (ports && r.Next(2) == 0 ? " port " + PortList(r) : ""));
        else if (ports && r.Next(2) == 0)
            parts.Add("dport " + PortList(r));
        if (r.Next(4) == 0) parts.Add("in " + string.Join(",", Enumerable.Range(0, r.Next(1, 3)).Select(_ => r.Next(4))));
        if (r.Next(3) == 0)
        {
            var states = new[] { "new", "established", "related", "invalid" }.Where(_ => r.Next(2) == 0).ToList();
            if (states.Count > 0) parts.Add("state " + string.Join(",", states));
        }
        return string.Join(" ", parts);
    }

    private static string AddressList(Random r, bool v6) =>
        string.Join(",", Enumerable.Range(0, r.Next(1, 3)).Select(_ => v6 ? V6Prefix(r) : V4Prefix(r)));

    private static string V4Prefix(Random r)
    {
        int len = r.Next(14, 33);
        uint a = 0x0A000000u | (uint)r.Next(1 << 16);
        a &= len == 0 ? 0 : uint.MaxValue << (32 - len);
        return $"{Sdk.Ipv4.Format(a)}/{len}";
    }

    private static string V6Prefix(Random r)
    {
        int len = r.Next(108, 129);
        UInt128 a = ((UInt128)0x20010DB8UL << 96) | (uint)r.Next(1 << 16);
        a &= UInt128.MaxValue << (128 - len);
        var bytes = new byte[16];
        for (int i = 15; i >= 0; i--, a >>= 8) bytes[i] = (byte)a;
        return $"{new System.Net.IPAddress(bytes)}/{len}";
    }

    private static string PortList(Random r) => string.Join(",", Enumerable.Range(0, r.Next(1, 3)).Select(_ =>
    {
        int lo = PortPool[r.Next(PortPool.Length)];
        return r.Next(3) == 0 && lo < 65535 ? $"{lo}-{Math.Min(65535, lo + r.Next(1, 2000))}" : lo.ToString();
    }));

    public static PacketFields Packet(Random r)
    {
        bool v6 = r.Next(3) == 0;
        UInt128 Addr() => v6 ? ((UInt128)0x20010DB8UL << 96) | (uint)r.Next(1 << 16) : (UInt128)(0xFFFF_0A00_0000UL | (uint)r.Next(1 << 16));
        int proto = r.Next(5) switch { 0 or 1 => 6, 2 => 17, 3 => v6 ? 58 : 1, _ => 47 };
        bool ports = proto is 6 or 17;
        int Port() => r.Next(3) == 0 ? r.Next(65536) : PortPool[r.Next(PortPool.Length)] + (r.Next(4) == 0 ? r.Next(3) : 0) % 65536;
        return new PacketFields
        {
            Source = Addr(),
            Destination = Addr(),
            Protocol = proto,
            SourcePort = ports ? Math.Min(Port(), 65535) : PacketFields.NoPort,
            DestinationPort = ports ? Math.Min(Port(), 65535) : PacketFields.NoPort,
            InputPort = r.Next(4),
            State = (ConnState)r.Next(4),
        };
    }
}
