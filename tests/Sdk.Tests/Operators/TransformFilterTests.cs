using Switchboard.Sdk.Tests.Support;

namespace Switchboard.Sdk.Tests.Operators;

public unsafe class TransformFilterTests
{
    private struct SetTtl(byte ttl) : ITransform
    {
        public int Calls;
        public void Transform(Packet p) { p.Ipv4.Ttl = ttl; Calls++; }
    }

    private struct EvenDestinationPort : IFilter
    {
        public bool Keep(Packet p) => p.Udp.DestinationPort % 2 == 0;
    }

    private struct Tag
    {
        public ushort Port;
        public int Score;
    }

    private struct TagWithPort : ITransform
    {
        public void Transform(Packet p)
        {
            ref var tag = ref p.Metadata<Tag>();
            tag.Port = p.Udp.DestinationPort;
            tag.Score = tag.Port * 10;
        }
    }

    private struct HighScore : IFilter
    {
        public bool Keep(Packet p) => p.Metadata<Tag>().Score >= 500;
    }

    private unsafe struct Big { public fixed long Words[5]; }

    private static byte[][] UdpToPorts(params ushort[] ports) => ports.Select(d => Frames.Udp(dport: d)).ToArray();

    [Test]
    public void StructTransform_RunsOncePerPacket_WithStateInTheNode()
    {
        var h = new GraphHarness();
        var outPipe = h.Capture(h.Input.Parse<Ethernet>().Parse<Ipv4>().Transform(new SetTtl(7)));
        h.Push(Frames.Tcp(), Frames.Udp(), Frames.Tcp());
        Assert.That(outPipe.Packets.Select(p => p.Bytes[Ethernet.Size + 8]), Is.All.EqualTo(7));
        Assert.That(h.Nodes<TransformNode<SetTtl>>().Single().PacketsIn, Is.EqualTo(3));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void DelegateTransform_BehavesLikeStruct()
    {
        var h = new GraphHarness();
        int calls = 0;
        var outPipe = h.Capture(h.Input.Parse<Ethernet>().Parse<Ipv4>().Transform(p => { p.Ipv4.Ttl = 3; calls++; }));
        h.Push(Frames.Tcp(), Frames.Udp());
        Assert.That(calls, Is.EqualTo(2));
        Assert.That(outPipe.Packets.Select(p => p.Bytes[Ethernet.Size + 8]), Is.All.EqualTo(3));
    }

    [Test]
    public void StructFilter_DropsAndCounts_WithoutLeaks()
    {
        var h = new GraphHarness();
        var outPipe = h.Capture(h.Input.Parse<Ethernet>().Parse<Ipv4>().Parse<Udp>().Filter<EvenDestinationPort>());
        // More than two batches, so compaction across batch boundaries is exercised.
        var ports = Enumerable.Range(1, 100).Select(i => (ushort)i).ToArray();
        h.Push(UdpToPorts(ports));

        var filter = h.Nodes<FilterNode<EvenDestinationPort>>().Single();
        Assert.That(outPipe.Packets.Select(p => (int)p.Bytes[Ethernet.Size + Ipv4.MinSize + 3]), Is.EqualTo(Enumerable.Range(1, 50).Select(i => i * 2)),
            "kept packets stay in order");
        Assert.That(filter.PacketsIn, Is.EqualTo(100));
        Assert.That(filter.PacketsDropped, Is.EqualTo(50));
        Assert.That(h.Core.DroppedTotal, Is.EqualTo(50));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void DelegateFilter_DropsAndCounts()
    {
        var h = new GraphHarness();
        var outPipe = h.Capture(h.Input.Filter(p => p.Length > 60));
        h.Push(Frames.Udp(frameSize: 60), Frames.Udp(frameSize: 100), Frames.Udp(frameSize: 60));
        Assert.That(outPipe.Packets.Single().Bytes, Has.Length.EqualTo(100));
        Assert.That(h.Nodes<FilterNode<DelegateFilter>>().Single().PacketsDropped, Is.EqualTo(2));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void FilterDroppingEverything_EmitsNothing()
    {
        var h = new GraphHarness();
        var outPipe = h.Capture(h.Input.Filter(_ => false));
        h.Push(UdpToPorts(1, 2, 3));
        Assert.That(outPipe.Packets, Is.Empty);
        Assert.That(outPipe.PacketsIn, Is.Zero, "an empty batch is not passed on");
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void Metadata_WrittenByTransform_IsReadByLaterFilter()
    {
        var h = new GraphHarness();
        var outPipe = h.Capture(h.Input.Parse<Ethernet>().Parse<Ipv4>().Parse<Udp>().Transform<TagWithPort>().Compose("tagger").Filter<HighScore>());
        h.Push(UdpToPorts(10, 50, 80, 49));
        Assert.That(outPipe.Packets.Select(p => (int)p.Bytes[Ethernet.Size + Ipv4.MinSize + 3]), Is.EqualTo(new[] { 50, 80 }));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void Metadata_StartsZeroedForEachReceivedPacket()
    {
        var h = new GraphHarness();
        var seen = new List<int>();
        var outPipe = h.Capture(h.Input.Parse<Ethernet>().Parse<Ipv4>().Parse<Udp>()
            .Transform(p => seen.Add(p.Metadata<Tag>().Score)).Transform<TagWithPort>());
        h.Push(UdpToPorts(60));
        h.Push(UdpToPorts(70)); // likely reuses the buffer just freed
        Assert.That(seen, Is.EqualTo(new[] { 0, 0 }));
        Assert.That(outPipe.Packets, Has.Count.EqualTo(2));
    }

    [Test]
    public void Metadata_LargerThan32Bytes_Throws()
    {
        var h = new GraphHarness();
        Exception? error = null;
        var outPipe = h.Capture(h.Input.Transform(p =>
        {
            try { p.Metadata<Big>(); }
            catch (ArgumentException e) { error = e; }
        }));
        h.Push(Frames.Udp());
        Assert.That(error, Is.Not.Null);
        Assert.That(error!.Message, Does.Contain("32 bytes"));
        Assert.That(outPipe.Packets, Has.Count.EqualTo(1));
    }
}
