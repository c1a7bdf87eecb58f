using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Switchboard.Plugins.Ips;
using Switchboard.Sdk;
using Switchboard.Sdk.Tests.Support;
using TcpH = Switchboard.Sdk.Tcp;

namespace Switchboard.Plugins.Tests.Ips;

public class IpsNfTests
{
    private const string Client = "192.168.1.10", Server = "10.0.0.80";

    /// <summary>An IPS on one core with a fake clock and a captured log.</summary>
    private sealed class Rig
    {
        private long _now = 1_000_000;
        public readonly GraphHarness H;
        public readonly IpsNf Nf = new();
        public readonly Capture Out;

        public Rig(params string[] rules) : this(JsonSerializer.Serialize(new { rules }), 0) { }

        public static Rig FromJson(string json) => new(json, 0);

        private Rig(string json, int unused)
        {
            _ = unused;
            H = new GraphHarness(clock: () => _now);
            var cfg = new NfConfig(JsonDocument.Parse(json).RootElement.Clone(), "$.nfs.ips.config");
            Out = H.Capture(Nf.Build(H.Input, new NfContext("ips", cfg, H.Core, H.Events, H.Log.Add)));
        }

        public bool Pass(byte[] frame)
        {
            int before = Out.Packets.Count;
            H.Push(frame);
            return Out.Packets.Count > before;
        }

        public void Wait(int seconds)
        {
            for (int i = 0; i < seconds; i++) { _now += Stopwatch.Frequency; H.Poll(); }
        }

        public long Counter(string name)
        {
            var list = new List<KeyValuePair<string, long>>();
            Nf.ReadCounters(list);
            return list.FirstOrDefault(kv => kv.Key == name).Value;
        }

        /// <summary>Client SYN, server SYN+ACK, client ACK; client data then starts at sequence 101, server data at 501.</summary>
        public void Handshake(ushort sport)
        {
            Assert.That(Pass(Frames.Tcp(Client, Server, sport, 80, seq: 100, flags: TcpH.Syn)), Is.True);
            Assert.That(Pass(Frames.Tcp(Server, Client, 80, sport, seq: 500, ack: 101, flags: TcpH.Syn | TcpH.Ack)), Is.True);
            Assert.That(Pass(Frames.Tcp(Client, Server, sport, 80, seq: 101, ack: 501)), Is.True);
        }
    }

    private static byte[] Data(ushort sport, uint seq, string text) =>
        Frames.Tcp(Client, Server, sport, 80, seq: seq, ack: 501, flags: TcpH.Ack | TcpH.Psh, payload: Encoding.ASCII.GetBytes(text));

    private static byte[] Reply(ushort sport, uint seq, string text) =>
        Frames.Tcp(Server, Client, 80, sport, seq: seq, ack: 200, flags: TcpH.Ack | TcpH.Psh, payload: Encoding.ASCII.GetBytes(text));

    private const string DropEvil = "drop tcp any any -> any 80 (msg:\"evil payload\"; content:\"EVILPAYLOAD\"; flow:established,to_server; sid:1001;)";

    [Test]
    public void SignatureInOneSegmentIsDroppedAndLogged()
    {
        var r = new Rig(DropEvil);
        r.Handshake(4000);
        Assert.That(r.Pass(Data(4000, 101, "GET /?q=EVILPAYLOAD HTTP/1.1")), Is.False);
        Assert.That(r.Counter("drop-matches"), Is.EqualTo(1));
        Assert.That(r.Counter("infected-flows"), Is.EqualTo(1));
        Assert.That(r.Counter("sid-1001"), Is.EqualTo(1));
        Assert.That(r.H.Log, Has.Some.Contains("sid:1001").And.Contains("evil payload").And.Contains("4000"));
        Assert.That(r.H.InUseDelta, Is.Zero);
    }

    [Test]
    public void SignatureSplitAcrossOutOfOrderSegmentsIsCaught()
    {
        var r = new Rig(DropEvil);
        r.Handshake(4001);
        // The second half arrives first: nothing contiguous to scan yet, so it goes on.
        Assert.That(r.Pass(Data(4001, 107, "PAYLOAD tail")), Is.True);
        // The first half fills the gap; the reassembled bytes now hold the whole signature.
        Assert.That(r.Pass(Data(4001, 101, "xxEVIL")), Is.False);
        Assert.That(r.Nf.Inspector.IsInfected(FlowKey.Ipv4(Ipv4.Address(Client), Ipv4.Address(Server), 4001, 80, Ipv4.ProtoTcp)), Is.True);
        Assert.That(r.Counter("drop-matches"), Is.EqualTo(1));
        Assert.That(r.H.InUseDelta, Is.Zero);
    }

    [Test]
    public void SignatureSplitAcrossInOrderSegmentsIsCaught()
    {
        var r = new Rig(DropEvil);
        r.Handshake(4002);
        Assert.That(r.Pass(Data(4002, 101, "aaaaEVILPAY")), Is.True);
        Assert.That(r.Pass(Data(4002, 112, "LOAD")), Is.False);
        Assert.That(r.H.InUseDelta, Is.Zero);
    }

    [Test]
    public void LaterPacketsOfAnInfectedFlowAreDroppedInBothDirections()
    {
        var r = new Rig(DropEvil);
        r.Handshake(4003);
        Assert.That(r.Pass(Data(4003, 101, "EVILPAYLOAD")), Is.False);
        Assert.That(r.Pass(Data(4003, 112, "innocent")), Is.False);
        Assert.That(r.Pass(Reply(4003, 501, "HTTP/1.1 200 OK")), Is.False);
        Assert.That(r.Pass(Frames.Tcp(Client, Server, 4003, 80, seq: 120, ack: 501, flags: TcpH.Ack | TcpH.Fin)), Is.False);
        Assert.That(r.Counter("dropped-packets"), Is.EqualTo(4));
        Assert.That(r.Nf.Inspector.Streams, Is.Zero, "an infected stream is no longer scanned");
        // Another connection between the same hosts is not infected.
        r.Handshake(4004);
        Assert.That(r.Pass(Data(4004, 101, "innocent")), Is.True);
        Assert.That(r.H.InUseDelta, Is.Zero);
    }

    [Test]
    public void CleanFlowPassesUntouched()
    {
        var r = new Rig(DropEvil, "alert tcp any any -> any any (content:\"nothing-here\"; sid:2;)");
        r.Handshake(4005);
        var frames = new[] { Data(4005, 101, "GET / HTTP/1.1\r\n"), Data(4005, 117, "Host: example\r\n\r\n"), Reply(4005, 501, "HTTP/1.1 200 OK EVIL") };
        foreach (var f in frames) Assert.That(r.Pass(f), Is.True);
        var sent = r.Out.Packets.Skip(3).Select(p => p.Bytes).ToArray();
        Assert.That(sent, Is.EqualTo(frames));
        Assert.That(r.Counter("alerts") + r.Counter("drop-matches") + r.Counter("dropped-packets"), Is.Zero);
        Assert.That(r.Counter("stream-bytes"), Is.EqualTo(16 + 17 + 20));
        Assert.That(r.H.InUseDelta, Is.Zero);
    }

    [Test]
    public void ToServerRuleIgnoresTheServersBytes()
    {
        var r = new Rig(DropEvil);
        r.Handshake(4006);
        Assert.That(r.Pass(Reply(4006, 501, "EVILPAYLOAD")), Is.True);
        Assert.That(r.Pass(Data(4006, 101, "fine")), Is.True);
        Assert.That(r.H.InUseDelta, Is.Zero);
    }

    [Test]
    public void NocaseOffsetAndDepthBoundTheMatch()
    {
        var r = new Rig("drop tcp any any -> any any (content:\"evil\"; nocase; offset:4; depth:8; sid:9;)",
                        "drop tcp any any -> any any (content:\"Exact\"; sid:10;)");
        r.Handshake(4010);
        Assert.That(r.Pass(Data(4010, 101, "xxxxEViL")), Is.False, "start 4, end 8: inside offset/depth, any case");
        r.Handshake(4011);
        Assert.That(r.Pass(Data(4011, 101, "evilxxxx")), Is.True, "starts before offset 4");
        r.Handshake(4012);
        Assert.That(r.Pass(Data(4012, 101, "xxxxxxxxxevil")), Is.True, "ends past offset+depth = 12");
        r.Handshake(4013);
        Assert.That(r.Pass(Data(4013, 101, "not EXACT, exact")), Is.True, "case-sensitive content");
        Assert.That(r.Pass(Data(4013, 117, " but Exact")), Is.False);
        Assert.That(r.H.InUseDelta, Is.Zero);
    }

    [Test]
    public void DistanceAndWithinChainContents()
    {
        var r = new Rig("drop tcp any any -> any any (content:\"USER\"; content:\"root\"; distance:1; within:6; sid:11;)");
        r.Handshake(4020);
        Assert.That(r.Pass(Data(4020, 101, "USER   xroot")), Is.True, "root ends 8 bytes after USER: outside within 6");
        r.Handshake(4021);
        Assert.That(r.Pass(Data(4021, 101, "USERroot")), Is.True, "needs distance 1");
        r.Handshake(4022);
        Assert.That(r.Pass(Data(4022, 101, "USER ro")), Is.True);
        Assert.That(r.Pass(Data(4022, 108, "ot\r\n")), Is.False, "split across segments");
        Assert.That(r.H.InUseDelta, Is.Zero);
    }

    [Test]
    public void AlertRulePassesTrafficAndCounts()
    {
        var r = new Rig("alert tcp 192.168.1.0/24 any -> any 80 (msg:\"suspicious\"; content:\"/etc/passwd\"; sid:5;)");
        r.Handshake(4030);
        Assert.That(r.Pass(Data(4030, 101, "GET /etc/passwd")), Is.True);
        Assert.That(r.Pass(Data(4030, 116, " and more")), Is.True);
        Assert.That(r.Counter("alerts"), Is.EqualTo(1));
        Assert.That(r.Counter("sid-5"), Is.EqualTo(1));
        Assert.That(r.Counter("infected-flows"), Is.Zero);
        Assert.That(r.H.Log, Has.Some.Contains("alert sid:5").And.Contains("suspicious"));
        Assert.That(r.H.InUseDelta, Is.Zero);
    }

    [Test]
    public void RuleHeaderAddressesAndPortsMustMatch()
    {
        var r = new Rig("drop tcp 172.16.0.0/12 any -> any 80 (content:\"EVILPAYLOAD\"; sid:6;)");
        r.Handshake(4040);
        Assert.That(r.Pass(Data(4040, 101, "EVILPAYLOAD")), Is.True, "client 192.168.1.10 is outside 172.16/12");
        Assert.That(r.H.InUseDelta, Is.Zero);
    }

    [Test]
    public void UdpPayloadIsMatchedPerPacket()
    {
        var r = new Rig("drop udp any any -> any 53 (content:\"|de ad be ef|\"; sid:20;)");
        var bad = Frames.Udp(Client, Server, 5000, 53, payload: [1, 0xDE, 0xAD, 0xBE, 0xEF]);
        Assert.That(r.Pass(Frames.Udp(Client, Server, 5001, 53, payload: [0xDE, 0xAD])), Is.True);
        Assert.That(r.Pass(Frames.Udp(Client, Server, 5001, 53, payload: [0xBE, 0xEF])), Is.True, "UDP is not reassembled");
        Assert.That(r.Pass(bad), Is.False);
        Assert.That(r.Pass(Frames.Udp(Client, Server, 5000, 53, payload: [1, 2])), Is.False, "the flow is infected");
        Assert.That(r.Pass(Frames.Udp(Client, Server, 5002, 54, payload: [0xDE, 0xAD, 0xBE, 0xEF])), Is.True, "port 54");
        Assert.That(r.H.InUseDelta, Is.Zero);
    }

    [Test]
    public void InfectedFlowsAndStreamsAreForgottenWhenIdle()
    {
        var r = Rig.FromJson("{\"rules\":[" + JsonSerializer.Serialize(DropEvil) + "],\"infectedTimeoutSeconds\":5,\"streamTimeoutSeconds\":5}");
        r.Handshake(4050);
        Assert.That(r.Pass(Data(4050, 101, "EVILPAYLOAD")), Is.False);
        Assert.That(r.Nf.Inspector.Infected, Is.EqualTo(2));
        r.Wait(10);
        Assert.That(r.Nf.Inspector.Infected, Is.Zero);
        Assert.That(r.Nf.Inspector.Streams, Is.Zero);
        Assert.That(r.H.InUseDelta, Is.Zero);
    }

    [Test]
    public void BadConfigNamesTheJsonPath()
    {
        var e = Assert.Throws<ConfigException>(() => new Rig("drop tcp any any -> any any (content:\"a\"; sid:1;)", "drop tcp any any -> any any (sid:2;)"));
        Assert.That(e!.JsonPath, Is.EqualTo("$.nfs.ips.config.rules[1]"));
        var e2 = Assert.Throws<ConfigException>(() => Rig.FromJson("{\"rules\":[],\"windowSize\":0}"));
        Assert.That(e2!.JsonPath, Does.Contain("windowSize"));
    }
}

public class IpsWindowSizeTests
{
    [Test]
    public void SignatureStraddlingTumblingWindowsIsFoundByCarriedState()
    {
        // 4-byte tumbling windows: "xxEVILPAYLOADyy" is cut into "xxEV" "ILPA" "YLOA" "Dyy" (the last on FIN).
        var json = "{\"rules\":[\"drop tcp any any -> any any (content:\\\"EVILPAYLOAD\\\"; sid:1;)\"],\"windowSize\":4}";
        var h = new GraphHarness();
        var cfg = new NfConfig(JsonDocument.Parse(json).RootElement.Clone(), "$.nfs.ips.config");
        var nf = new IpsNf();
        var output = h.Capture(nf.Build(h.Input, h.NfContext("ips", cfg)));
        h.Push(Frames.Tcp("10.1.1.1", "10.2.2.2", 1000, 80, seq: 100, flags: TcpH.Syn));
        h.Push(Frames.Tcp("10.1.1.1", "10.2.2.2", 1000, 80, seq: 101, payload: Encoding.ASCII.GetBytes("xxEVILPAYLOA")));
        Assert.That(nf.Inspector.DropMatches, Is.Zero, "the last full window ends before the signature does");
        h.Push(Frames.Tcp("10.1.1.1", "10.2.2.2", 1000, 80, seq: 113, flags: TcpH.Ack | TcpH.Fin, payload: Encoding.ASCII.GetBytes("Dyy")));
        Assert.That(nf.Inspector.DropMatches, Is.EqualTo(1));
        Assert.That(output.Packets, Has.Count.EqualTo(2), "the FIN segment completing the signature is dropped");
        Assert.That(nf.Inspector.Streams, Is.Zero, "state released at the stream's end");
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void ManyRulesAndFlowsKeepSparseStateAndStillMatch()
    {
        var rules = Enumerable.Range(1, 300).Select(i => $"alert tcp any any -> any any (content:\"sig{i:D4}\"; content:\"end{i:D4}\"; distance:0; sid:{i};)").ToArray();
        var h = new GraphHarness();
        var cfg = new NfConfig(JsonDocument.Parse(JsonSerializer.Serialize(new { rules })).RootElement.Clone(), "$.nfs.ips.config");
        var nf = new IpsNf();
        h.Capture(nf.Build(h.Input, h.NfContext("ips", cfg)));
        for (int f = 0; f < 20; f++)
        {
            string text = $"sig{f + 1:D4} ... sig{f + 2:D4} end{f + 2:D4} end{f + 1:D4}";
            h.Push(Frames.Tcp("10.1.1.1", "10.2.2.2", (ushort)(2000 + f), 80, seq: 100, flags: TcpH.Syn));
            h.Push(Frames.Tcp("10.1.1.1", "10.2.2.2", (ushort)(2000 + f), 80, seq: 101, payload: Encoding.ASCII.GetBytes(text)));
        }
        Assert.That(nf.Inspector.Alerts, Is.EqualTo(40), "two rules per flow");
        Assert.That(nf.Inspector.RuleHits.Count(n => n > 0), Is.EqualTo(21));
        Assert.That(h.InUseDelta, Is.Zero);
    }
}
