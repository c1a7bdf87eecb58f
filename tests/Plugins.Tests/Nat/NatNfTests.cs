using System.Diagnostics;
using Switchboard.Plugins.Nat;
using Switchboard.Sdk;
using Switchboard.Sdk.Tests.Support;
using static Switchboard.Plugins.Tests.Nat.NatFrames;

namespace Switchboard.Plugins.Tests.Nat;

public class NatNfTests
{
    private const string Public = "203.0.113.1";
    private const string Server = "93.184.216.34";
    private const string BasicConfig = """{ "insideNets": ["10.0.0.0/8"], "snat": { "addresses": ["203.0.113.1"] } }""";

    private static (GraphHarness H, Capture Out, NatNf Nf) Build(string json = BasicConfig, Func<long>? clock = null)
    {
        var h = new GraphHarness(clock: clock);
        var nf = new NatNf();
        var output = h.Capture(nf.Build(h.Input, h.NfContext("nat", Config(json))));
        return (h, output, nf);
    }

    private static byte[] Last(Capture c) => c.Packets[^1].Bytes;

    [Test]
    public void Tcp_RoundTrip_TranslatesBothWays_WithValidChecksums()
    {
        var (h, output, nf) = Build();
        h.Push(Frames.Tcp(src: "10.0.0.5", dst: Server, sport: 40000, dport: 80, flags: Tcp.Syn, payload: [1, 2, 3]));
        var outbound = Last(output);
        Assert.That((Src(outbound), SrcPort(outbound), Dst(outbound), DstPort(outbound)), Is.EqualTo((Public, (ushort)40000, Server, (ushort)80)),
            "source rewritten to the public address; the port is preserved when free (as iptables does)");
        AssertChecksumsValid(outbound, "outbound");

        h.Push(Frames.Tcp(src: Server, dst: Public, sport: 80, dport: 40000, flags: Tcp.Syn | Tcp.Ack, payload: [9, 9]));
        var reply = Last(output);
        Assert.That((Src(reply), SrcPort(reply), Dst(reply), DstPort(reply)), Is.EqualTo((Server, (ushort)80, "10.0.0.5", (ushort)40000)));
        AssertChecksumsValid(reply, "reply");

        // A second inside host with the same source port gets another public port.
        h.Push(Frames.Tcp(src: "10.0.0.6", dst: Server, sport: 40000, dport: 80, flags: Tcp.Syn));
        Assert.That(SrcPort(Last(output)), Is.Not.EqualTo((ushort)40000));
        Assert.That(Src(Last(output)), Is.EqualTo(Public));
        AssertChecksumsValid(Last(output), "second host");
        Assert.That(nf.Table.Counters.Created, Is.EqualTo(2));
        Assert.That(nf.Table.Active, Is.EqualTo(2));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void Udp_RoundTrip_AndAZeroChecksumStaysZero()
    {
        var (h, output, _) = Build();
        h.Push(Frames.Udp(src: "10.1.2.3", dst: "8.8.8.8", sport: 5353, dport: 53, payload: [0xAB, 0xCD, 0xEF]));
        var outbound = Last(output);
        Assert.That((Src(outbound), SrcPort(outbound)), Is.EqualTo((Public, (ushort)5353)));
        AssertChecksumsValid(outbound, "outbound UDP");

        h.Push(Frames.Udp(src: "8.8.8.8", dst: Public, sport: 53, dport: 5353, payload: [1, 2, 3, 4, 5]));
        var reply = Last(output);
        Assert.That((Dst(reply), DstPort(reply)), Is.EqualTo(("10.1.2.3", (ushort)5353)));
        AssertChecksumsValid(reply, "UDP reply");

        var noChecksum = Frames.Udp(src: "10.1.2.3", dst: "8.8.4.4", sport: 6000, dport: 53, payload: [7]);
        noChecksum[40] = noChecksum[41] = 0; // "no checksum" (RFC 768)
        h.Push(noChecksum);
        Assert.That(Src(Last(output)), Is.EqualTo(Public));
        Assert.That(UdpChecksum(Last(output)), Is.Zero, "a zero UDP checksum is left zero");
        Assert.That(Checksums(Last(output)).Ip, Is.True);
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void Unsolicited_AndWrongRemote_AreDroppedAndCounted_OtherTrafficPasses()
    {
        var (h, output, nf) = Build();
        h.Push(Frames.Udp(src: "10.0.0.5", dst: "8.8.8.8", sport: 7000, dport: 53));
        output.Packets.Clear();
        h.Push(
            Frames.Udp(src: "8.8.8.8", dst: Public, sport: 53, dport: 7001),   // no mapping
            Frames.Udp(src: "1.2.3.4", dst: Public, sport: 53, dport: 7000),   // mapping, but not its remote
            Frames.Udp(src: "8.8.8.8", dst: Public, sport: 54, dport: 7000),   // right address, wrong port
            Echo("1.2.3.4", Public, Icmp.EchoRequest, 5));                     // ping to the NAT itself
        Assert.That(output.Packets, Is.Empty);
        Assert.That(nf.Table.Counters.Unsolicited, Is.EqualTo(4));

        h.Push(Frames.Udp(src: "10.0.0.5", dst: "10.0.0.9"), Frames.Udp(src: "1.1.1.1", dst: "2.2.2.2"));
        Assert.That(output.Packets.Select(p => (Src(p.Bytes), Dst(p.Bytes))), Is.EqualTo(new[] { ("10.0.0.5", "10.0.0.9"), ("1.1.1.1", "2.2.2.2") }),
            "inside-to-inside and foreign traffic pass untranslated");
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void PortExhaustion_IsCountedAndDropped_PortsComeBackAfterTheIdleTimeout()
    {
        long now = 0;
        var (h, output, nf) = Build("""
            { "insideNets": ["10.0.0.0/8"], "snat": { "addresses": ["203.0.113.1"], "ports": "2000-2003" },
              "timeouts": { "udp": 5, "tcpEstablished": 100 }, "sweepSeconds": 1 }
            """, () => now);
        for (int i = 0; i < 4; i++) h.Push(Frames.Udp(src: "10.0.0.5", dst: "8.8.8.8", sport: (ushort)(3000 + i)));
        Assert.That(output.Packets.Select(p => (int)SrcPort(p.Bytes)).Order(), Is.EqualTo(new[] { 2000, 2001, 2002, 2003 }));
        Assert.That(nf.Table.FreePorts(Ipv4.Address(Public), Ipv4.ProtoUdp), Is.Zero);

        h.Push(Frames.Udp(src: "10.0.0.5", dst: "8.8.8.8", sport: 4000), Frames.Udp(src: "10.0.0.6", dst: "8.8.8.8", sport: 4001));
        Assert.That(output.Packets, Has.Count.EqualTo(4), "no port left: new connections are dropped");
        Assert.That(nf.Table.Counters.PortsExhausted, Is.EqualTo(2));
        // TCP has its own ports: not exhausted by UDP.
        h.Push(Frames.Tcp(src: "10.0.0.5", dst: Server, sport: 4000, flags: Tcp.Syn));
        Assert.That(output.Packets, Has.Count.EqualTo(5));

        // Keep one UDP mapping alive; the others idle out after 5 s.
        for (int s = 1; s <= 6; s++)
        {
            now += Stopwatch.Frequency;
            h.Poll();
            h.Push(Frames.Udp(src: "10.0.0.5", dst: "8.8.8.8", sport: 3000));
        }
        Assert.That(nf.Table.Counters.Expired, Is.EqualTo(3));
        Assert.That(nf.Table.FreePorts(Ipv4.Address(Public), Ipv4.ProtoUdp), Is.EqualTo(3));
        output.Packets.Clear();
        h.Push(Frames.Udp(src: "10.0.0.7", dst: "8.8.8.8", sport: 4002));
        Assert.That(SrcPort(Last(output)), Is.InRange(2001, 2003), "a released port is handed out again");
        h.Push(Frames.Udp(src: "8.8.8.8", dst: Public, sport: 53, dport: 2000));
        Assert.That(Dst(Last(output)), Is.EqualTo("10.0.0.5"), "the refreshed mapping still translates");
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void TcpMapping_OutlivesTheTransitoryTimeoutOnceEstablished_AndGoesAfterFinFromBothSides()
    {
        long now = 0;
        var (h, output, nf) = Build("""
            { "insideNets": ["10.0.0.0/8"], "snat": { "addresses": ["203.0.113.1"] },
              "timeouts": { "tcpEstablished": 50, "tcpTransitory": 3 } }
            """, () => now);
        void Tick(int seconds) { for (int i = 0; i < seconds; i++) { now += Stopwatch.Frequency; h.Poll(); } }

        h.Push(Frames.Tcp(src: "10.0.0.5", dst: Server, sport: 1111, flags: Tcp.Syn)); // half-open: transitory
        Tick(4);
        Assert.That(nf.Table.Active, Is.Zero, "an unanswered SYN expires after the transitory timeout");

        h.Push(Frames.Tcp(src: "10.0.0.5", dst: Server, sport: 1111, flags: Tcp.Syn));
        h.Push(Frames.Tcp(src: Server, dst: Public, sport: 80, dport: SrcPort(Last(output)), flags: Tcp.Syn | Tcp.Ack));
        Tick(10);
        Assert.That(nf.Table.Active, Is.EqualTo(1), "established: the long timeout applies");
        ushort port = SrcPort(output.Packets[^2].Bytes);
        h.Push(Frames.Tcp(src: "10.0.0.5", dst: Server, sport: 1111, flags: Tcp.Fin | Tcp.Ack));
        h.Push(Frames.Tcp(src: Server, dst: Public, sport: 80, dport: port, flags: Tcp.Fin | Tcp.Ack));
        Tick(4);
        Assert.That(nf.Table.Active, Is.Zero, "closed from both sides: transitory again");
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void Pool_GivesEachInsideHostOneAddress_AndSpreadsHostsOverThePool()
    {
        var (h, output, _) = Build("""{ "insideNets": ["10.0.0.0/8"], "snat": { "addresses": ["198.51.100.0/30", "203.0.113.9"] } }""");
        for (int host = 1; host <= 40; host++)
            for (int port = 0; port < 3; port++)
                h.Push(Frames.Tcp(src: $"10.0.0.{host}", dst: Server, sport: (ushort)(2000 + port), flags: Tcp.Syn));
        var byHost = output.Packets.Select((p, i) => (Host: i / 3, Public: Src(p.Bytes))).GroupBy(x => x.Host).ToList();
        Assert.That(byHost.All(g => g.Select(x => x.Public).Distinct().Count() == 1), Is.True, "paired pooling (RFC 4787 REQ-2)");
        var used = output.Packets.Select(p => Src(p.Bytes)).Distinct().ToList();
        Assert.That(used, Has.Count.EqualTo(5), "40 hosts use every address of the pool");
        Assert.That(used, Is.SubsetOf(new[] { "198.51.100.0", "198.51.100.1", "198.51.100.2", "198.51.100.3", "203.0.113.9" }));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void IcmpEcho_IdentifierIsTranslatedLikeAPort()
    {
        var (h, output, _) = Build();
        h.Push(Echo("10.0.0.5", Server, Icmp.EchoRequest, 77), Echo("10.0.0.6", Server, Icmp.EchoRequest, 77));
        var (a, b) = (output.Packets[0].Bytes, output.Packets[1].Bytes);
        Assert.That((Src(a), Src(b)), Is.EqualTo((Public, Public)));
        Assert.That(IcmpId(a), Is.Not.EqualTo(IcmpId(b)), "two hosts using one identifier get distinct ones outside");
        AssertChecksumsValid(a, "echo request");
        AssertChecksumsValid(b, "echo request 2");

        h.Push(Echo(Server, Public, Icmp.EchoReply, IcmpId(b)), Echo(Server, Public, Icmp.EchoReply, IcmpId(a)));
        var replies = output.Packets.Skip(2).Select(p => p.Bytes).ToArray();
        Assert.That(replies.Select(r => (Dst(r), IcmpId(r))), Is.EqualTo(new[] { ("10.0.0.6", (ushort)77), ("10.0.0.5", (ushort)77) }));
        foreach (var r in replies) AssertChecksumsValid(r, "echo reply");
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void IcmpPortUnreachable_QuotingATranslatedUdpPacket_IsTranslatedBack()
    {
        var (h, output, nf) = Build();
        h.Push(Frames.Udp(src: "10.0.0.5", dst: Server, sport: 5000, dport: 9999, payload: [1, 2, 3, 4, 5, 6, 7]));
        var sent = Last(output);
        ushort publicPort = SrcPort(sent);

        h.Push(IcmpError(Server, Public, Icmp.DestinationUnreachable, 3, sent));
        var error = Last(output);
        Assert.That(Dst(error), Is.EqualTo("10.0.0.5"), "outer destination back to the inside host");
        AssertChecksumsValid(error, "ICMP error (outer IP header and ICMP checksum over the rewritten quote)");
        var quoted = Quoted(error);
        Assert.That((Src(quoted), SrcPort(quoted), Dst(quoted), DstPort(quoted)), Is.EqualTo(("10.0.0.5", (ushort)5000, Server, (ushort)9999)),
            "the quote shows the packet as the inside host sent it");
        AssertChecksumsValid(quoted, "quoted IP header and quoted UDP checksum");

        // A router's time-exceeded with only the 8 transport bytes quoted (RFC 792 minimum), for a TCP flow.
        h.Push(Frames.Tcp(src: "10.0.0.5", dst: Server, sport: 6000, dport: 443, flags: Tcp.Syn));
        var syn = Last(output);
        h.Push(IcmpError("192.0.2.254", Public, Icmp.TimeExceeded, 0, syn, quoteBytes: Ipv4.MinSize + 8));
        var te = Last(output);
        Assert.That((Src(te), Dst(te)), Is.EqualTo(("192.0.2.254", "10.0.0.5")));
        AssertChecksumsValid(te, "time exceeded");
        var q = Quoted(te);
        Assert.That((Src(q), SrcPort(q)), Is.EqualTo(("10.0.0.5", (ushort)6000)));
        Assert.That(Checksum.Compute(q.AsSpan(Ethernet.Size, Ipv4.MinSize)), Is.Zero, "quoted IP header checksum");

        // An error quoting a flow we never translated is dropped.
        output.Packets.Clear();
        h.Push(IcmpError(Server, Public, Icmp.DestinationUnreachable, 3,
            Frames.Udp(src: Public, dst: Server, sport: (ushort)(publicPort + 1), dport: 9999)));
        Assert.That(output.Packets, Is.Empty);
        Assert.That(nf.Table.Counters.IcmpErrors, Is.EqualTo(2));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void IcmpErrorFromInside_AboutATranslatedReply_ShowsThePublicEndpoint()
    {
        var (h, output, _) = Build();
        h.Push(Frames.Udp(src: "10.0.0.5", dst: Server, sport: 5000, dport: 53));
        ushort publicPort = SrcPort(Last(output));
        h.Push(Frames.Udp(src: Server, dst: Public, sport: 53, dport: publicPort, payload: [1, 2, 3]));
        var delivered = Last(output);
        Assert.That(Dst(delivered), Is.EqualTo("10.0.0.5"));

        h.Push(IcmpError("10.0.0.5", Server, Icmp.DestinationUnreachable, 3, delivered));
        var error = Last(output);
        Assert.That((Src(error), Dst(error)), Is.EqualTo((Public, Server)));
        AssertChecksumsValid(error, "outbound ICMP error");
        var q = Quoted(error);
        Assert.That((Src(q), SrcPort(q), Dst(q), DstPort(q)), Is.EqualTo((Server, (ushort)53, Public, publicPort)));
        AssertChecksumsValid(q, "quote as the server sent it");
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void Dnat_PortForward_TranslatesInboundAndReplies()
    {
        var (h, output, nf) = Build("""
            { "insideNets": ["10.0.0.0/8"], "snat": { "addresses": ["203.0.113.1"], "ports": "10000-65535" },
              "dnat": ["tcp 203.0.113.1:8080 -> 10.0.0.80:80", "udp 198.51.100.7:53 -> 10.0.0.53:5353"] }
            """);
        h.Push(Frames.Tcp(src: "1.2.3.4", dst: Public, sport: 55555, dport: 8080, flags: Tcp.Syn, payload: [1]));
        var inbound = Last(output);
        Assert.That((Src(inbound), SrcPort(inbound), Dst(inbound), DstPort(inbound)), Is.EqualTo(("1.2.3.4", (ushort)55555, "10.0.0.80", (ushort)80)));
        AssertChecksumsValid(inbound, "forwarded");

        h.Push(Frames.Tcp(src: "10.0.0.80", dst: "1.2.3.4", sport: 80, dport: 55555, flags: Tcp.Syn | Tcp.Ack));
        var reply = Last(output);
        Assert.That((Src(reply), SrcPort(reply), Dst(reply), DstPort(reply)), Is.EqualTo((Public, (ushort)8080, "1.2.3.4", (ushort)55555)));
        AssertChecksumsValid(reply, "reply");

        h.Push(Frames.Udp(src: "1.2.3.4", dst: "198.51.100.7", sport: 999, dport: 53));
        Assert.That((Dst(Last(output)), DstPort(Last(output))), Is.EqualTo(("10.0.0.53", (ushort)5353)));
        AssertChecksumsValid(Last(output), "UDP forward");

        output.Packets.Clear();
        h.Push(Frames.Tcp(src: "1.2.3.4", dst: Public, sport: 55555, dport: 8081), Frames.Udp(src: "1.2.3.4", dst: "198.51.100.7", sport: 999, dport: 54));
        Assert.That(output.Packets, Is.Empty, "ports without a forward are dropped");
        Assert.That(nf.Table.Counters.DnatIn, Is.EqualTo(2));
        Assert.That(nf.Table.Counters.DnatOut, Is.EqualTo(1));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void Fragments_AndUntranslatableProtocols_AreDroppedAndCounted()
    {
        var (h, output, nf) = Build();
        var frag = Frames.Udp(src: "10.0.0.5", dst: Server, sport: 1, dport: 2);
        frag[20] = 0x20; // MF
        frag[24] = frag[25] = 0;
        BitConverterSetChecksum(frag);
        var gre = Frames.Udp(src: "10.0.0.5", dst: Server);
        gre[23] = 47;
        BitConverterSetChecksum(gre);
        h.Push(frag, gre);
        Assert.That(output.Packets, Is.Empty);
        Assert.That((nf.Table.Counters.Fragments, nf.Table.Counters.Unsupported), Is.EqualTo((1L, 1L)));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    private static void BitConverterSetChecksum(byte[] f)
    {
        f[24] = f[25] = 0;
        ushort cs = Checksum.Compute(f.AsSpan(14, 20));
        f[24] = (byte)(cs >> 8);
        f[25] = (byte)cs;
    }

    [TestCase("""{ "snat": { "addresses": ["203.0.113.1"] } }""", "$.nfs.nat.config.insideNets")]
    [TestCase("""{ "insideNets": ["10.0.0.1/8"], "snat": { "addresses": ["203.0.113.1"] } }""", "$.nfs.nat.config.insideNets[0]")]
    [TestCase("""{ "insideNets": ["10.0.0.0/8"], "snat": { "addresses": ["203.0.113.1"], "ports": "9-2" } }""", "$.nfs.nat.config.snat.ports")]
    [TestCase("""{ "insideNets": ["10.0.0.0/8"], "snat": { "addresses": ["203.0.113.1"] }, "dnat": ["tcp 203.0.113.1:8080 -> 10.0.0.5:80"] }""", "$.nfs.nat.config.dnat[0]")]
    [TestCase("""{ "insideNets": ["10.0.0.0/8"], "dnat": ["sctp 1.2.3.4:1 -> 10.0.0.5:80"] }""", "$.nfs.nat.config.dnat[0]")]
    [TestCase("""{ "insideNets": ["10.0.0.0/8"], "dnat": ["tcp 1.2.3.4:1 -> 10.0.0.5:80", "tcp 1.2.3.4:2 -> 10.0.0.5:80"] }""", "$.nfs.nat.config.dnat[1]")]
    [TestCase("""{ "insideNets": ["10.0.0.0/8"] }""", "$.nfs.nat.config")]
    [TestCase("""{ "insideNets": ["10.0.0.0/8"], "snat": { "addresses": ["203.0.113.1"] }, "timeout": {} }""", "$.nfs.nat.config.timeout")]
    public void ConfigErrors_NameTheJsonPath(string json, string path)
    {
        var h = new GraphHarness();
        var e = Assert.Throws<ConfigException>(() => new NatNf().Build(h.Input, h.NfContext("nat", Config(json))));
        Assert.That(e!.JsonPath, Is.EqualTo(path), e.Message);
    }
}
