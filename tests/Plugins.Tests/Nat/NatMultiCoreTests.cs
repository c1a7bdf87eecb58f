using Switchboard.Plugins.Nat;
using Switchboard.Sdk;
using Switchboard.Sdk.Runtime;
using Switchboard.Sdk.Tests.Support;
using static Switchboard.Plugins.Tests.Nat.NatFrames;

namespace Switchboard.Plugins.Tests.Nat;

public class NatMultiCoreTests
{
    [Test]
    public void OutboundAndReturnChains_OnOneCore_ShareTheMappings_AndReportCountersOnce()
    {
        // The host builds one replica per chain: "lan -> nat -> wan" and "wan -> nat -> lan" on the same core.
        var shared = new SharedRegistry();
        var lanToWan = new GraphHarness(0, 1, shared);
        var wanToLan = new GraphHarness(0, 1, shared);
        const string json = """{ "insideNets": ["10.0.0.0/8"], "snat": { "addresses": ["203.0.113.1"] } }""";
        var (outNf, backNf) = (new NatNf(), new NatNf());
        var wan = lanToWan.Capture(outNf.Build(lanToWan.Input, lanToWan.NfContext("nat", Config(json))));
        var lan = wanToLan.Capture(backNf.Build(wanToLan.Input, wanToLan.NfContext("nat", Config(json))));
        Assert.That(backNf.Table, Is.SameAs(outNf.Table));

        lanToWan.Push(Frames.Udp(src: "10.0.0.5", dst: "8.8.8.8", sport: 4444, dport: 53));
        wanToLan.Push(Frames.Udp(src: "8.8.8.8", dst: "203.0.113.1", sport: 53, dport: SrcPort(wan.Packets[0].Bytes)));
        Assert.That((Dst(lan.Packets.Single().Bytes), DstPort(lan.Packets[0].Bytes)), Is.EqualTo(("10.0.0.5", (ushort)4444)));

        var counters = new List<KeyValuePair<string, long>>();
        outNf.ReadCounters(counters);
        backNf.ReadCounters(counters);
        Assert.That(counters.Where(c => c.Key == "created").Sum(c => c.Value), Is.EqualTo(1));
        Assert.That(counters.Where(c => c.Key == "snat-in").Sum(c => c.Value), Is.EqualTo(1));
        Assert.That(wanToLan.InUseDelta, Is.Zero);
    }

    [Test]
    public void TwoCores_PortsArePartitioned_RepliesAndErrorsReachTheCoreOwningTheMapping()
    {
        var shared = new SharedRegistry();
        var cores = Enumerable.Range(0, 2).Select(c => new GraphHarness(c, 2, shared)).ToArray();
        var nfs = cores.Select(_ => new NatNf()).ToArray();
        const string json = """{ "insideNets": ["10.0.0.0/8"], "snat": { "addresses": ["203.0.113.1"] } }""";
        var outputs = cores.Select((h, c) => h.Capture(nfs[c].Build(h.Input, h.NfContext("nat", Config(json))))).ToArray();
        void PollAll() { for (int i = 0; i < 3; i++) foreach (var h in cores) h.Poll(); }

        // Outbound flows arrive on either core (as if the NIC's RSS disagreed with ours).
        const int flows = 200;
        string Inside(int i) => $"10.0.{i / 200}.{i % 200 + 1}";
        for (int i = 0; i < flows; i++) cores[i % 2].Push(Frames.Udp(src: Inside(i), dst: "8.8.8.8", sport: 5000, dport: 53, payload: [(byte)(i >> 8), (byte)i]));
        PollAll();
        var sent = outputs.SelectMany(o => o.Packets).ToList();
        Assert.That(sent, Has.Count.EqualTo(flows));
        Assert.That(sent.Select(p => SrcPort(p.Bytes)).Distinct().Count(), Is.EqualTo(flows), "no two mappings share a public port");
        var ports = nfs[0].Table.Ports;
        foreach (var p in sent) Assert.That(ports.OwnerOf(SrcPort(p.Bytes)), Is.EqualTo(p.Core), "a core hands out only its own ports");
        Assert.That(sent.Select(p => p.Core).Distinct().Count(), Is.EqualTo(2), "both cores own mappings");
        static int Id(Captured p) => p.Payload[0] << 8 | p.Payload[1];
        var ownerOf = sent.ToDictionary(Id, p => p.Core);
        foreach (var o in outputs) o.Packets.Clear();

        // Replies arrive on the core that does NOT own the mapping; the shuffle takes them home.
        foreach (var p in sent)
            cores[1 - p.Core].Push(Frames.Udp(src: "8.8.8.8", dst: "203.0.113.1", sport: 53, dport: SrcPort(p.Bytes), payload: p.Payload));
        PollAll();
        var replies = outputs.SelectMany(o => o.Packets).ToList();
        Assert.That(replies, Has.Count.EqualTo(flows));
        foreach (var r in replies)
        {
            Assert.That(r.Core, Is.EqualTo(ownerOf[Id(r)]), "translated on the core owning the mapping");
            Assert.That((Dst(r.Bytes), DstPort(r.Bytes)), Is.EqualTo((Inside(Id(r)), (ushort)5000)));
            AssertChecksumsValid(r.Bytes, "reply");
        }
        foreach (var o in outputs) o.Packets.Clear();

        // ICMP errors from outside quoting our packets also reach the owner.
        foreach (var p in sent.Take(20))
            cores[1 - p.Core].Push(IcmpError("8.8.8.8", "203.0.113.1", Icmp.DestinationUnreachable, 3, p.Bytes));
        PollAll();
        var errors = outputs.SelectMany(o => o.Packets).ToList();
        Assert.That(errors, Has.Count.EqualTo(20));
        foreach (var e in errors) AssertChecksumsValid(Quoted(e.Bytes), "quote");
        Assert.That(nfs.Sum(n => n.Table.Counters.Unsolicited), Is.Zero);
        Assert.That(nfs.Sum(n => n.Table.Counters.Created), Is.EqualTo(flows));
        Assert.That(cores[0].InUseDelta, Is.Zero);
    }
}
