using Switchboard.Sdk.Runtime;
using Switchboard.Sdk.Tests.Support;

namespace Switchboard.Sdk.Tests.Operators;

/// <summary>A user function that throws loses only the packet it threw on; the batch stays consistent.</summary>
public class FaultTests
{
    // A typical plugin bug: reading TCP on a packet whose TCP header was never parsed (or was deparsed) throws.
    private struct TouchTcp : ITransform { public void Transform(Packet p) => p.Tcp.Window = 1; }

    /// <summary>The TCP destination port; throws on anything else (a plugin assuming all traffic is TCP).</summary>
    private static int TcpPort(Packet p)
    {
        if (p.IpProtocol != Ipv4.ProtoTcp) throw new InvalidOperationException("not TCP");
        var l4 = p.Payload;
        return l4[2] << 8 | l4[3];
    }

    private struct TcpPortOdd : IFilter { public bool Keep(Packet p) => TcpPort(p) % 2 == 1; }
    private struct ByTcpPort : IGroupBy { public int Group(Packet p) => TcpPort(p) % 2; }
    private struct TcpKey : IShuffle { public uint Key(Packet p) => (uint)TcpPort(p); }

    private static Pipe L4(GraphHarness h) => h.Input.Parse<Ethernet>().Parse<Ipv4>().Filter(p => true);

    /// <summary>TCP to odd ports 1,3,5,... interleaved with UDP packets that make the UDFs throw.</summary>
    private static byte[][] Mixed(int tcp) =>
        Enumerable.Range(0, tcp).SelectMany(i => new[] { Frames.Tcp(dport: (ushort)(2 * i + 1)), Frames.Udp() }).ToArray();

    private static int[] TcpPorts(Capture c) =>
        c.Packets.Select(p => p.Bytes[Ethernet.Size + Ipv4.MinSize + 2] << 8 | p.Bytes[Ethernet.Size + Ipv4.MinSize + 3]).ToArray();

    private static IEnumerable<int> OddPorts(int n) => Enumerable.Range(0, n).Select(i => 2 * i + 1);

    [Test]
    public void ThrowingTransform_DropsOnlyThatPacket()
    {
        var h = new GraphHarness();
        var outPipe = h.Capture(L4(h).Parse<Tcp>().Deparse().Transform<TouchTcp>());
        h.Push(Frames.Tcp(dport: 1));
        var node = h.Nodes<TransformNode<TouchTcp>>().Single();
        Assert.That(node.PacketsFaulted, Is.EqualTo(1), "TCP was deparsed, so the UDF throws");
        Assert.That(outPipe.Packets, Is.Empty);
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void ThrowingDelegateTransform_DropsOnlyThosePackets_KeepsOrder()
    {
        var h2 = new GraphHarness();
        var out2 = h2.Capture(h2.Input.Parse<Ethernet>().Parse<Ipv4>().Transform(p => { if (p.IpProtocol == Ipv4.ProtoUdp) throw new InvalidOperationException("udp!"); }));
        h2.Push(Mixed(40));
        var t = h2.Nodes<TransformNode<DelegateTransform>>().Single();
        Assert.That(TcpPorts(out2), Is.EqualTo(OddPorts(40)));
        Assert.That(t.PacketsFaulted, Is.EqualTo(40));
        Assert.That(t.PacketsDropped, Is.EqualTo(40));
        Assert.That(t.LastFault!.Message, Is.EqualTo("udp!"));
        Assert.That(h2.InUseDelta, Is.Zero);
    }

    [Test]
    public void ThrowingFilter_DropsOnlyThatPacket_KeepsOrder()
    {
        var h = new GraphHarness();
        var outPipe = h.Capture(L4(h).Filter<TcpPortOdd>());
        h.Push(Mixed(40));
        var node = h.Nodes<FilterNode<TcpPortOdd>>().Single();
        Assert.That(TcpPorts(outPipe), Is.EqualTo(OddPorts(40)));
        Assert.That(node.PacketsFaulted, Is.EqualTo(40));
        Assert.That(node.LastFault!.Message, Is.EqualTo("not TCP"));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void ThrowingGroupBy_DropsOnlyThatPacket()
    {
        var h = new GraphHarness();
        var outs = L4(h).GroupBy(2, new ByTcpPort()).Select(h.Capture).ToArray();
        h.Push(Mixed(40));
        h.Poll();
        var node = h.Nodes<GroupByNode<ByTcpPort>>().Single();
        Assert.That(TcpPorts(outs[1]), Is.EqualTo(OddPorts(40)));
        Assert.That(outs[0].Packets, Is.Empty);
        Assert.That(node.PacketsFaulted, Is.EqualTo(40));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void ThrowingShuffleKey_DropsOnlyThatPacket()
    {
        var shared = new SharedRegistry();
        var a = new GraphHarness(0, 2, shared);
        var b = new GraphHarness(1, 2, shared);
        var outA = a.Capture(L4(a).Shuffle(new TcpKey()));
        var outB = b.Capture(L4(b).Shuffle(new TcpKey()));
        a.Push(Mixed(40));
        b.Poll();
        Assert.That(outA.Packets.Count + outB.Packets.Count, Is.EqualTo(40));
        Assert.That(a.Nodes<ShuffleNode<TcpKey>>().Single().PacketsFaulted, Is.EqualTo(40));
        Assert.That(a.InUseDelta, Is.Zero);
    }
}
