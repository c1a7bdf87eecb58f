using System.Buffers.Binary;
using System.Diagnostics;
using System.Text.Json;
using Switchboard.Plugins.Firewall;
using Switchboard.Sdk;
using Switchboard.Sdk.Tests.Support;
using TcpH = Switchboard.Sdk.Tcp;

namespace Switchboard.Plugins.Tests.Firewall;

public class FirewallNfTests
{
    /// <summary>A firewall on one core with a fake clock; <see cref="Pass"/> says which frames got through.</summary>
    private sealed class Fw
    {
        private long _now = 1_000_000;
        public readonly GraphHarness H;
        public readonly FirewallNf Nf = new();
        public readonly Capture Out;

        public Fw(string json)
        {
            H = new GraphHarness(clock: () => _now);
            var cfg = new NfConfig(JsonDocument.Parse(json).RootElement.Clone(), "$.nfs.fw.config");
            Out = H.Capture(Nf.Build(H.Input, H.NfContext("fw", cfg)));
        }

        public bool Pass(byte[] frame, ushort port = 0)
        {
            int before = Out.Packets.Count;
            H.PushOnPort(port, frame);
            return Out.Packets.Count > before;
        }

        /// <summary>Let <paramref name="seconds"/> pass, firing the firewall's 1 s tick each second.</summary>
        public void Wait(int seconds)
        {
            for (int i = 0; i < seconds; i++)
            {
                _now += Stopwatch.Frequency;
                H.Poll();
            }
        }

        public Dictionary<string, long> Counters()
        {
            var list = new List<KeyValuePair<string, long>>();
            Nf.ReadCounters(list);
            return list.ToDictionary(kv => kv.Key, kv => kv.Value);
        }

        public TcpState? TcpStateOf(string src, string dst, ushort sport, ushort dport) =>
            Nf.Engine.Table.Get(FlowKey.Ipv4(Ipv4.Address(src), Ipv4.Address(dst), sport, dport, Ipv4.ProtoTcp))?.Tcp;
    }

    private const string Client = "192.168.1.10", Server = "10.0.0.80", Outside = "203.0.113.9";

    private static byte[] Tcp(string src, string dst, ushort sport, ushort dport, byte flags) =>
        Frames.Tcp(src, dst, sport, dport, flags: flags);

    private static byte[] Udp6(string src, string dst, ushort sport, ushort dport)
    {
        var buf = new byte[256];
        int n = FrameBuilder.Ipv6Udp(buf, Ipv6Address.Parse(src), Ipv6Address.Parse(dst), sport, dport, [1, 2, 3]);
        return buf[..n];
    }

    /// <summary>An ICMP destination-unreachable from <paramref name="router"/> to the sender of <paramref name="original"/>, quoting it.</summary>
    private static byte[] IcmpUnreachable(string router, byte[] original)
    {
        var quote = original.AsSpan(Ethernet.Size, Ipv4.MinSize + 8);
        uint to = BinaryPrimitives.ReadUInt32BigEndian(quote[12..]);
        var buf = new byte[Ethernet.Size + Ipv4.MinSize + Icmp.Size + quote.Length];
        var icmp = FrameBuilder.WriteEthIpv4(buf, Ipv4.Address(router), to, Ipv4.ProtoIcmp, Ipv4.MinSize + Icmp.Size + quote.Length);
        icmp[0] = Icmp.DestinationUnreachable;
        icmp[1] = 3; // port unreachable
        quote.CopyTo(icmp[Icmp.Size..]);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], Checksum.Compute(icmp));
        return buf;
    }

    private static byte[] IcmpEcho(string src, string dst, byte type, ushort id)
    {
        var buf = new byte[128];
        int n = FrameBuilder.Ipv4IcmpEcho(buf, Ipv4.Address(src), Ipv4.Address(dst), type, id, 1, [9, 9]);
        return buf[..n];
    }

    private const string WebPolicy = """
        {"default": "drop", "rules": [
            "accept state established,related",
            "drop tcp to 10.0.0.81 port 80",
            "accept tcp from 192.168.1.0/24 to 10.0.0.0/24 port 80,443 state new",
            "accept udp from 192.168.1.0/24 to any port 53",
            "accept icmp from 192.168.1.0/24"
        ]}
        """;

    [Test]
    public void FirstMatchWinsAndTheDefaultPolicyCatchesTheRest()
    {
        var fw = new Fw(WebPolicy);
        Assert.That(fw.Pass(Tcp(Client, Server, 40000, 80, TcpH.Syn)), Is.True, "rule 2");
        Assert.That(fw.Pass(Tcp(Client, "10.0.0.81", 40001, 80, TcpH.Syn)), Is.False, "rule 1 drops before rule 2 would accept");
        Assert.That(fw.Pass(Tcp(Client, Server, 40002, 22, TcpH.Syn)), Is.False, "no rule: default drop");
        Assert.That(fw.Pass(Tcp(Outside, Server, 40003, 80, TcpH.Syn)), Is.False, "source outside the prefix");
        var c = fw.Counters();
        Assert.That((c["rule-1"], c["rule-2"], c["default-policy"]), Is.EqualTo((1L, 1L, 2L)));
        Assert.That((c["accepted"], c["dropped"]), Is.EqualTo((1L, 3L)));
        Assert.That(fw.H.InUseDelta, Is.Zero);

        var open = new Fw("""{"default": "accept", "rules": ["drop udp to any port 53"]}""");
        Assert.That(open.Pass(Frames.Udp(dport: 53)), Is.False);
        Assert.That(open.Pass(Frames.Udp(dport: 54)), Is.True, "default accept");
        Assert.That(open.H.InUseDelta, Is.Zero);
    }

    [Test]
    public void TcpRepliesAreEstablishedOnlyForAcceptedConnections()
    {
        var fw = new Fw(WebPolicy);
        Assert.That(fw.Pass(Tcp(Client, Server, 40000, 80, TcpH.Syn)), Is.True);
        Assert.That(fw.Pass(Tcp(Server, Client, 80, 40000, TcpH.Syn | TcpH.Ack)), Is.True, "SYN-ACK is established");
        Assert.That(fw.Pass(Tcp(Client, Server, 40000, 80, TcpH.Ack)), Is.True);
        Assert.That(fw.Pass(Tcp(Server, Client, 80, 40000, TcpH.Ack | TcpH.Psh)), Is.True);

        // A connection the rules refused leaves no state: its "reply" is not established.
        Assert.That(fw.Pass(Tcp(Client, Server, 40001, 22, TcpH.Syn)), Is.False);
        Assert.That(fw.Pass(Tcp(Server, Client, 22, 40001, TcpH.Syn | TcpH.Ack)), Is.False);
        // Unsolicited segments from outside are invalid, whatever their flags.
        Assert.That(fw.Pass(Tcp(Outside, Client, 80, 40005, TcpH.Ack)), Is.False);
        Assert.That(fw.Pass(Tcp(Outside, Client, 80, 40005, TcpH.Syn | TcpH.Ack)), Is.False);
        var c = fw.Counters();
        Assert.That(c["state-established"], Is.EqualTo(3));
        Assert.That(c["state-invalid"], Is.EqualTo(3));
        Assert.That(c["connections"], Is.EqualTo(1));
        Assert.That(fw.H.InUseDelta, Is.Zero);
    }

    [Test]
    public void UdpAndIpv6RepliesAreEstablished()
    {
        var fw = new Fw("""
            {"rules": ["accept state established", "accept udp from 192.168.1.0/24 to any port 53",
                       "accept ip6 udp from 2001:db8:1::/48 to any port 123"]}
            """);
        Assert.That(fw.Pass(Frames.Udp(Client, "8.8.8.8", 5353, 53)), Is.True);
        Assert.That(fw.Pass(Frames.Udp("8.8.8.8", Client, 53, 5353)), Is.True, "the reply");
        Assert.That(fw.Pass(Frames.Udp("8.8.8.8", Client, 53, 5354)), Is.False, "not a reply to anything");
        Assert.That(fw.Pass(Udp6("2001:db8:1::5", "2001:db8:ff::1", 40000, 123)), Is.True);
        Assert.That(fw.Pass(Udp6("2001:db8:ff::1", "2001:db8:1::5", 123, 40000)), Is.True, "the IPv6 reply");
        Assert.That(fw.Pass(Udp6("2001:db8:ff::1", "2001:db8:1::6", 123, 40000)), Is.False);
        Assert.That(fw.H.InUseDelta, Is.Zero);
    }

    [Test]
    public void IcmpErrorsAboutTrackedConnectionsAreRelated()
    {
        var fw = new Fw(WebPolicy);
        var syn = Tcp(Client, Server, 40000, 80, TcpH.Syn);
        Assert.That(fw.Pass(syn), Is.True);
        Assert.That(fw.Pass(IcmpUnreachable("10.0.0.1", syn)), Is.True, "about the tracked connection: related");
        var stray = Tcp(Client, Server, 40009, 80, TcpH.Syn);
        Assert.That(fw.Pass(IcmpUnreachable("10.0.0.1", stray)), Is.False, "about nothing we let through: invalid");
        var dns = Frames.Udp(Client, "8.8.8.8", 5353, 53);
        Assert.That(fw.Pass(dns), Is.True);
        Assert.That(fw.Pass(IcmpUnreachable("8.8.8.8", dns)), Is.True);
        var c = fw.Counters();
        Assert.That((c["state-related"], c["state-invalid"]), Is.EqualTo((2L, 1L)));
        Assert.That(c["connections"], Is.EqualTo(2), "errors never open connections");
        Assert.That(fw.H.InUseDelta, Is.Zero);
    }

    [Test]
    public void EchoRepliesNeedARequest()
    {
        var fw = new Fw(WebPolicy);
        Assert.That(fw.Pass(IcmpEcho(Outside, Client, Icmp.EchoReply, 7)), Is.False, "unsolicited reply: invalid");
        Assert.That(fw.Pass(IcmpEcho(Client, Outside, Icmp.EchoRequest, 7)), Is.True);
        Assert.That(fw.Pass(IcmpEcho(Outside, Client, Icmp.EchoReply, 7)), Is.True);
        Assert.That(fw.Pass(IcmpEcho(Outside, Client, Icmp.EchoReply, 8)), Is.False, "another identifier");
        Assert.That(fw.H.InUseDelta, Is.Zero);
    }

    [Test]
    public void TcpStateFollowsHandshakeAndTeardown()
    {
        var fw = new Fw(WebPolicy);
        TcpState? State() => fw.TcpStateOf(Client, Server, 40000, 80);
        fw.Pass(Tcp(Client, Server, 40000, 80, TcpH.Syn));
        Assert.That(State(), Is.EqualTo(TcpState.SynSent));
        Assert.That(fw.Pass(Tcp(Server, Client, 80, 40000, TcpH.Ack)), Is.False, "a bare ACK cannot answer a SYN: invalid");
        Assert.That(State(), Is.EqualTo(TcpState.SynSent));
        fw.Pass(Tcp(Server, Client, 80, 40000, TcpH.Syn | TcpH.Ack));
        Assert.That(State(), Is.EqualTo(TcpState.SynReceived));
        fw.Pass(Tcp(Client, Server, 40000, 80, TcpH.Ack));
        Assert.That(State(), Is.EqualTo(TcpState.Established));
        fw.Pass(Tcp(Client, Server, 40000, 80, TcpH.Fin | TcpH.Ack));
        Assert.That(State(), Is.EqualTo(TcpState.FinWait));
        fw.Pass(Tcp(Server, Client, 80, 40000, TcpH.Fin | TcpH.Ack));
        Assert.That(State(), Is.EqualTo(TcpState.TimeWait));
        // A new SYN on the same 5-tuple reopens it; a RST closes it.
        Assert.That(fw.Pass(Tcp(Client, Server, 40000, 80, TcpH.Syn)), Is.True);
        Assert.That(State(), Is.EqualTo(TcpState.SynSent));
        fw.Pass(Tcp(Server, Client, 80, 40000, TcpH.Rst | TcpH.Ack));
        Assert.That(State(), Is.EqualTo(TcpState.Closed));
        Assert.That(fw.H.InUseDelta, Is.Zero);
    }

    [Test]
    public void IdleConnectionsExpirePerStateOnTheTick()
    {
        var fw = new Fw("""
            {"rules": ["accept state established", "accept from 192.168.1.0/24"],
             "timeouts": {"udp": 30, "tcpSynSent": 5, "tcpEstablished": 100, "tcpClosed": 2}}
            """);
        fw.Pass(Frames.Udp(Client, "8.8.8.8", 5353, 53));
        fw.Wait(29);
        Assert.That(fw.Pass(Frames.Udp("8.8.8.8", Client, 53, 5353)), Is.True, "29 s idle < 30 s");
        fw.Pass(Tcp(Client, Server, 40000, 80, TcpH.Syn));
        fw.Wait(5);
        Assert.That(fw.TcpStateOf(Client, Server, 40000, 80), Is.Null, "an unanswered SYN times out after tcpSynSent");
        Assert.That(fw.Pass(Tcp(Server, Client, 80, 40000, TcpH.Syn | TcpH.Ack)), Is.False);

        fw.Pass(Tcp(Client, Server, 40001, 80, TcpH.Syn));
        fw.Pass(Tcp(Server, Client, 80, 40001, TcpH.Syn | TcpH.Ack));
        fw.Pass(Tcp(Client, Server, 40001, 80, TcpH.Ack));
        fw.Wait(60);
        Assert.That(fw.Pass(Tcp(Server, Client, 80, 40001, TcpH.Ack)), Is.True, "established lasts 100 s");
        fw.Pass(Tcp(Server, Client, 80, 40001, TcpH.Rst));
        fw.Wait(2);
        Assert.That(fw.TcpStateOf(Client, Server, 40001, 80), Is.Null, "closed by RST: gone after tcpClosed");
        Assert.That(fw.Pass(Tcp(Server, Client, 80, 40001, TcpH.Ack)), Is.False);
        var c = fw.Counters();
        Assert.That(c["connections"], Is.EqualTo(1), "the UDP flow (refreshed to udpStream by its reply) is still there");
        Assert.That(c["connections-expired"], Is.EqualTo(2));
        fw.Wait(180);
        Assert.That(fw.Counters()["connections"], Is.Zero);
        Assert.That(fw.Pass(Frames.Udp("8.8.8.8", Client, 53, 5353)), Is.False, "expired: the late reply is new and not allowed");
        Assert.That(fw.H.InUseDelta, Is.Zero);
    }

    [TestCase("drop", false)]
    [TestCase("accept", true)]
    public void AFullTableIsCountedAndFollowsWhenFull(string whenFull, bool passes)
    {
        var fw = new Fw($$"""{"rules": ["accept"], "maxConnections": 2, "whenFull": "{{whenFull}}"}""");
        Assert.That(fw.Pass(Frames.Udp(sport: 1)), Is.True);
        Assert.That(fw.Pass(Frames.Udp(sport: 2)), Is.True);
        Assert.That(fw.Pass(Frames.Udp(sport: 3)), Is.EqualTo(passes));
        Assert.That(fw.Pass(Frames.Udp(sport: 1)), Is.True, "known connections still pass");
        var c = fw.Counters();
        Assert.That((c["table-full"], c["connections"]), Is.EqualTo((1L, 2L)));
        Assert.That(fw.H.InUseDelta, Is.Zero);
    }

    [Test]
    public void InputPortAndNonIpPolicy()
    {
        var fw = new Fw("""{"rules": ["accept in 1"], "nonIp": "drop"}""");
        Assert.That(fw.Pass(Frames.Udp(), port: 1), Is.True);
        Assert.That(fw.Pass(Frames.Udp(sport: 9), port: 0), Is.False);
        var arp = new byte[60];
        FrameBuilder.WriteEthernet(arp, Ethernet.TypeArp);
        Assert.That(fw.Pass(arp, port: 1), Is.False);
        Assert.That(new Fw("""{"rules": []}""").Pass(arp), Is.True, "non-IP passes by default");
        Assert.That(fw.Counters()["non-ip"], Is.EqualTo(1));
        Assert.That(fw.H.InUseDelta, Is.Zero);
    }

    [Test]
    public void RepliesArrivingOnAnotherCoreMeetTheirConnection()
    {
        // Two cores; frames enter on whichever core (as with asymmetric RSS) and the firewall's symmetric
        // shuffle brings both directions of each connection to the one core that tracks it.
        var shared = new Switchboard.Sdk.Runtime.SharedRegistry();
        var cfg = new NfConfig(JsonDocument.Parse("""{"rules": ["accept state established", "accept tcp from 192.168.1.0/24"]}""").RootElement.Clone(), "$.nfs.fw.config");
        var harnesses = new[] { new GraphHarness(0, 2, shared), new GraphHarness(1, 2, shared) };
        var nfs = new[] { new FirewallNf(), new FirewallNf() };
        var outs = new Capture[2];
        for (int c = 0; c < 2; c++) outs[c] = harnesses[c].Capture(nfs[c].Build(harnesses[c].Input, harnesses[c].NfContext("fw", cfg)));
        void Settle() { for (int k = 0; k < 3; k++) foreach (var h in harnesses) h.Poll(); }

        for (ushort port = 40000; port < 40016; port++)
        {
            harnesses[port % 2].Push(Tcp(Client, Server, port, 80, TcpH.Syn));
            Settle();
            harnesses[(port + 1) % 2].Push(Tcp(Server, Client, 80, port, TcpH.Syn | TcpH.Ack));
            Settle();
        }
        Assert.That(outs[0].Packets.Count + outs[1].Packets.Count, Is.EqualTo(32), "every SYN and every SYN-ACK passed");
        Assert.That(nfs[0].Engine.Table.Count + nfs[1].Engine.Table.Count, Is.EqualTo(16), "each connection tracked once");
        Assert.That(nfs[0].Engine.Table.Count, Is.InRange(1, 15), "connections spread over both cores");
        foreach (var h in harnesses) Assert.That(h.InUseDelta, Is.Zero);
    }

    [TestCase("""{"rules": ["accept state established", "drop udp to any port 53", "accept tcp to any port http"]}""",
        "$.nfs.fw.config.rules[2]", "word 6 'http'")]
    [TestCase("""{"rules": ["accept"], "default": "reject"}""", "$.nfs.fw.config.default", "expected accept or drop")]
    [TestCase("""{"rule": []}""", "$.nfs.fw.config.rule", "unknown key")]
    [TestCase("""{"rules": [], "timeouts": {"tcp": 5}}""", "$.nfs.fw.config.timeouts.tcp", "unknown key")]
    [TestCase("""{"rules": [], "maxConnections": 0}""", "$.nfs.fw.config.maxConnections", "outside")]
    [TestCase("""{"rules": "accept"}""", "$.nfs.fw.config.rules", "array of strings")]
    public void ConfigErrorsNameTheJsonPath(string json, string path, string reason)
    {
        var h = new GraphHarness();
        var cfg = new NfConfig(JsonDocument.Parse(json).RootElement.Clone(), "$.nfs.fw.config");
        var e = Assert.Throws<ConfigException>(() => new FirewallNf().Build(h.Input, h.NfContext("fw", cfg)))!;
        Assert.That(e.JsonPath, Is.EqualTo(path));
        Assert.That(e.Reason, Does.Contain(reason));
    }
}
