using Switchboard.Sdk.Tests.Support;

namespace Switchboard.Sdk.Tests.Operators;

/// <summary>Consecutive per-packet operators run as one fused node; each operator keeps its own node,
/// name and counters, and a fault is charged to the operator that threw.</summary>
public class FusionTests
{
    private struct DecrementTtl : ITransform
    {
        public void Transform(Packet p) { if (p.Ipv4.Ttl > 0) p.Ipv4.Ttl--; }
    }

    private struct TtlAlive : IFilter { public bool Keep(Packet p) => p.Ipv4.Ttl != 0; }

    private static byte[] Ttl(byte ttl) => Frames.Udp(ttl: ttl);

    [Test]
    public void TtlChain_RunsAsOneNode_WithPerOperatorCounters()
    {
        var h = new GraphHarness();
        var outPipe = h.Capture(h.Input.Parse<Ethernet>().Parse<Ipv4>().Transform<DecrementTtl>().Filter<TtlAlive>());
        var notIp = Frames.Udp();
        notIp[12] = 0x86; notIp[13] = 0xDD; // EtherType IPv6 on an IPv4 body: parse-ipv4 drops it
        h.Push(Ttl(64), Ttl(1), Ttl(2), notIp, Ttl(1));

        var fused = (FusedNode)h.Entry;
        Assert.That(fused.StageCount, Is.EqualTo(4));
        Assert.That(fused.Next, Is.SameAs(outPipe));
        Assert.That(h.Builder.Nodes.Select(n => n.Name), Is.EqualTo(new[] { "parse-ethernet", "parse-ipv4", "transform", "filter", "capture" }));
        Assert.That(h.Builder.Nodes.Take(4).Select(n => n.PacketsIn), Is.EqualTo(new long[] { 5, 5, 4, 4 }));
        Assert.That(h.Builder.Nodes.Take(4).Select(n => n.PacketsDropped), Is.EqualTo(new long[] { 0, 1, 0, 2 }));
        Assert.That(h.Nodes<ParseNode<Ipv4>>().Single().Failures[(int)ParseStatus.NotThisProtocol], Is.EqualTo(1));
        Assert.That(outPipe.Packets.Select(p => p.Bytes[Ethernet.Size + 8]), Is.EqualTo(new byte[] { 63, 1 }), "order kept");
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void FaultInAMiddleStage_DropsOnlyThatPacket_AndIsChargedToItsOperator()
    {
        var h = new GraphHarness();
        var faults = new RecordingSink();
        var outPipe = h.Capture(h.Input.Parse<Ethernet>().TryParse<Ipv4>()
            .Transform(p => { if (p.Ipv4.Ttl == 13) throw new InvalidOperationException("unlucky"); })
            .Filter(p => p.Ipv4.Ttl != 7));
        foreach (var n in h.Builder.Nodes) n.FaultSink = faults;
        h.Push(Ttl(1), Ttl(13), Ttl(7), Ttl(13), Ttl(2));

        var transform = h.Builder.Nodes.Single(n => n.Name == "transform");
        var filter = h.Builder.Nodes.Single(n => n.Name == "filter");
        Assert.That(transform.PacketsFaulted, Is.EqualTo(2));
        Assert.That(transform.PacketsDropped, Is.EqualTo(2));
        Assert.That(transform.LastFault, Is.InstanceOf<InvalidOperationException>());
        Assert.That(filter.PacketsIn, Is.EqualTo(3), "faulted packets never reach later stages");
        Assert.That(filter.PacketsDropped, Is.EqualTo(1));
        Assert.That(filter.PacketsFaulted, Is.Zero);
        Assert.That(faults.Where, Is.EqualTo(new[] { "transform", "transform" }));
        Assert.That(outPipe.Packets.Select(p => p.Bytes[Ethernet.Size + 8]), Is.EqualTo(new byte[] { 1, 2 }));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void LongChains_SplitIntoSeveralFusedNodes_AndCountEveryStage()
    {
        var h = new GraphHarness();
        var pipe = h.Input;
        int stages = FusedNode.MaxStages * 2 + 3;
        for (int i = 0; i < stages; i++) pipe = pipe.Transform(p => p.Data[0]++);
        var outPipe = h.Capture(pipe);
        h.Push(Ttl(5), Ttl(6));

        int fusedNodes = 0;
        for (Node? n = h.Entry; n is FusedNode f; n = f.Next) fusedNodes++;
        Assert.That(fusedNodes, Is.EqualTo(3));
        var counts = h.Builder.Nodes.Where(n => n.Name.StartsWith("transform", StringComparison.Ordinal)).Select(n => n.PacketsIn).ToList();
        Assert.That(counts, Has.Count.EqualTo(stages).And.All.EqualTo(2));
        Assert.That(outPipe.Packets.Select(p => p.Bytes[0]), Is.All.EqualTo((byte)(Frames.Udp()[0] + stages)));
    }

    [Test]
    public void FusionAfterABranch_RelinksTheBranch()
    {
        var h = new GraphHarness();
        var branches = h.Input.Parse<Ethernet>().GroupBy(2, p => p.Ipv4Ttl() % 2);
        var even = h.Capture(branches[0].Parse<Ipv4>().Filter(p => p.Ipv4.Ttl > 2));
        var odd = h.Capture(branches[1].Parse<Ipv4>().Transform<DecrementTtl>().Compose("odd"));
        h.Push(Ttl(2), Ttl(3), Ttl(4), Ttl(5));
        h.Poll();

        Assert.That(even.Packets.Select(p => p.Bytes[Ethernet.Size + 8]), Is.EqualTo(new byte[] { 4 }));
        Assert.That(odd.Packets.Select(p => p.Bytes[Ethernet.Size + 8]), Is.EqualTo(new byte[] { 2, 4 }));
        Assert.That(h.Nodes<ComposeNode>().Single().PacketsIn, Is.EqualTo(2));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    private sealed class RecordingSink : Switchboard.Sdk.Runtime.IFaultSink
    {
        public List<string> Where { get; } = [];
        public void OnFault(string where, Exception e) => Where.Add(where);
    }
}

internal static class TtlReading
{
    /// <summary>The IPv4 TTL read from the raw bytes (before any IP parse).</summary>
    public static int Ipv4Ttl(this Packet p) => p.Data[Ethernet.Size + 8];
}
