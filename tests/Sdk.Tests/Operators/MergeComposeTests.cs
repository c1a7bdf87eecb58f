using Switchboard.Sdk.Tests.Support;

namespace Switchboard.Sdk.Tests.Operators;

public class MergeComposeTests
{
    private static byte[] ToPort(int port) => Frames.Udp(dport: (ushort)port);
    private static int PortOf(Captured p) => p.Bytes[Ethernet.Size + Ipv4.MinSize + 2] << 8 | p.Bytes[Ethernet.Size + Ipv4.MinSize + 3];

    [Test]
    public void Merge_JoinsBranches_EveryPacketOnce()
    {
        var h = new GraphHarness();
        var branches = h.Input.Parse<Ethernet>().Parse<Ipv4>().Parse<Udp>().GroupBy(3, p => p.Udp.DestinationPort % 3);
        // Each branch does its own work before the merge.
        var marked = branches.Select((b, i) => b.Transform(p => p.Ipv4.Ttl = (byte)(100 + i))).ToArray();
        var outPipe = h.Capture(Pipe.Merge(marked).Compose("after-merge"));
        h.Push(Enumerable.Range(0, 30).Select(ToPort).ToArray());
        h.Poll();

        Assert.That(outPipe.Packets.Select(PortOf).Order(), Is.EqualTo(Enumerable.Range(0, 30)));
        Assert.That(outPipe.Packets.All(p => p.Bytes[Ethernet.Size + 8] == 100 + PortOf(p) % 3), Is.True, "each packet went through its own branch");
        var merge = h.Nodes<MergeNode>().Single();
        Assert.That(merge.PacketsIn, Is.EqualTo(30));
        Assert.That(h.Builder.Unconnected, Is.Empty);
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void Merge_GathersSmallBranchBatches_IntoFullOnes_AndFlushesTheRestWhenPolled()
    {
        var h = new GraphHarness();
        var branches = h.Input.Parse<Ethernet>().Parse<Ipv4>().Parse<Udp>().GroupBy(8, p => p.Udp.DestinationPort % 8);
        var outPipe = h.Capture(Pipe.Merge(branches));
        var merge = h.Nodes<MergeNode>().Single();

        // 64 packets spread over 8 branches: group-by hands on 8 batches of 8 when polled; merge passes on two full
        // batches of 32 instead of eight small ones.
        h.Push(Enumerable.Range(0, 64).Select(ToPort).ToArray());
        Assert.That(outPipe.Packets, Is.Empty, "group-by queues are partial until polled");
        h.Poll();
        Assert.That(outPipe.Packets.Select(PortOf).Order(), Is.EqualTo(Enumerable.Range(0, 64)));
        Assert.That(outPipe.Batches, Is.EqualTo(new[] { 32, 32 }));
        Assert.That(merge.Pending, Is.Zero);

        // 12 packets: 8 branch batches of 1-2 packets, gathered, then flushed by the merge's own poll.
        h.Push(Enumerable.Range(100, 12).Select(ToPort).ToArray());
        h.Poll();
        Assert.That(outPipe.Packets.Skip(64).Select(PortOf).Order(), Is.EqualTo(Enumerable.Range(100, 12)));
        Assert.That(outPipe.Batches.Skip(2), Is.EqualTo(new[] { 12 }));
        Assert.That(merge.Pending, Is.Zero);
        Assert.That(merge.PacketsIn, Is.EqualTo(76));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void Merge_PassesAFullBranchBatchStraightOn_InOrder()
    {
        var h = new GraphHarness();
        var branches = h.Input.Parse<Ethernet>().Parse<Ipv4>().Parse<Udp>().GroupBy(2, _ => 0);
        var outPipe = h.Capture(Pipe.Merge(branches));
        h.Push(Enumerable.Range(0, 32).Select(ToPort).ToArray());
        // The full queue went on at once, through the merge, without a poll.
        Assert.That(outPipe.Packets.Select(PortOf), Is.EqualTo(Enumerable.Range(0, 32)));
        Assert.That(outPipe.Batches, Is.EqualTo(new[] { 32 }));
        Assert.That(h.Nodes<MergeNode>().Single().Pending, Is.Zero);
    }

    [Test]
    public void Merge_OfAlreadyConnectedBranch_ThrowsAndLeavesGraphUnchanged()
    {
        var h = new GraphHarness();
        var branches = h.Input.GroupBy(2, _ => 0);
        h.Capture(branches[1]);
        int nodes = h.Builder.Nodes.Count;
        var e = Assert.Throws<InvalidOperationException>(() => Pipe.Merge(branches[0], branches[1]));
        Assert.That(e!.Message, Does.Contain("already connected"));
        Assert.That(h.Builder.Nodes, Has.Count.EqualTo(nodes));
        Assert.That(h.Builder.Unconnected, Is.EqualTo(new[] { branches[0].Origin }), "the first branch was not wired");
    }

    [Test]
    public void Merge_SameBranchTwice_Throws()
    {
        var h = new GraphHarness();
        var b = h.Input.GroupBy(2, _ => 0);
        var e = Assert.Throws<ArgumentException>(() => Pipe.Merge(b[0], b[0]));
        Assert.That(e!.Message, Does.Contain("twice"));
    }

    [Test]
    public void Merge_AcrossGraphs_Throws()
    {
        var a = new GraphHarness();
        var b = new GraphHarness();
        Assert.Throws<ArgumentException>(() => Pipe.Merge(a.Input, b.Input));
        Assert.Throws<ArgumentException>(() => Pipe.Merge());
    }

    [Test]
    public void Compose_CountsPacketsPassing_UnderItsName()
    {
        var h = new GraphHarness();
        var outPipe = h.Capture(h.Input.Compose("first").Filter(p => p.Length > 80).Compose("second").Compose());
        h.Push(Frames.Udp(frameSize: 64), Frames.Udp(frameSize: 100), Frames.Udp(frameSize: 120));
        var composes = h.Nodes<ComposeNode>();
        Assert.That(composes.Select(c => c.Name), Is.EqualTo(new[] { "first", "second", "compose" }));
        Assert.That(composes.Select(c => c.PacketsIn), Is.EqualTo(new long[] { 3, 2, 2 }));
        Assert.That(outPipe.Packets, Has.Count.EqualTo(2));
    }

    [Test]
    public void LeftOpenOutput_DropsAndCounts()
    {
        var h = new GraphHarness();
        var open = h.Input.Parse<Ethernet>();
        h.Push(Frames.Udp(), Frames.Tcp());
        var parse = h.Nodes<ParseNode<Ethernet>>().Single();
        Assert.That(parse.PacketsDropped, Is.EqualTo(2));
        Assert.That(h.Core.DroppedTotal, Is.EqualTo(2));
        Assert.That(h.Builder.Unconnected, Is.EqualTo(new[] { open.Origin }));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void ExplicitDrop_ClosesTheOutput_AndCounts()
    {
        var h = new GraphHarness();
        h.Input.Drop();
        h.Push(Frames.Udp(), Frames.Udp(), Frames.Udp());
        Assert.That(h.Builder.Unconnected, Is.Empty);
        Assert.That(h.Builder.Nodes.Single().PacketsDropped, Is.EqualTo(3));
        Assert.That(h.InUseDelta, Is.Zero);
    }
}
