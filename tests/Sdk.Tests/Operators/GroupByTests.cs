using Switchboard.Sdk.Tests.Support;

namespace Switchboard.Sdk.Tests.Operators;

public class GroupByTests
{
    /// <summary>Branch = UDP destination port (so tests choose the branch per packet).</summary>
    private struct ByPort : IGroupBy
    {
        public int Group(Packet p) => p.Udp.DestinationPort;
    }

    private static Pipe Udp(GraphHarness h) => h.Input.Parse<Ethernet>().Parse<Ipv4>().Parse<Udp>();
    private static byte[] ToPort(int port, byte seq = 0) => Frames.Udp(dport: (ushort)port, payload: [seq]);

    [Test]
    public void StructUdf_SplitsIntoBranches_FlushedOnPoll()
    {
        var h = new GraphHarness();
        var branches = Udp(h).GroupBy(3, new ByPort());
        var outs = branches.Select(h.Capture).ToArray();
        h.Push(ToPort(0, 1), ToPort(2, 2), ToPort(1, 3), ToPort(2, 4), ToPort(0, 5));

        Assert.That(outs.Select(o => o.Packets.Count), Is.All.Zero, "partial queues wait for the scheduler");
        Assert.That(h.Poll(), Is.EqualTo(5));
        Assert.That(outs[0].Packets.Select(p => p.Payload[0]), Is.EqualTo(new byte[] { 1, 5 }));
        Assert.That(outs[1].Packets.Select(p => p.Payload[0]), Is.EqualTo(new byte[] { 3 }));
        Assert.That(outs[2].Packets.Select(p => p.Payload[0]), Is.EqualTo(new byte[] { 2, 4 }));
        var node = h.Nodes<GroupByNode<ByPort>>().Single();
        Assert.That(node.PerGroup, Is.EqualTo(new long[] { 2, 1, 2 }));
        Assert.That(h.Poll(), Is.Zero, "nothing left to flush");
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void DelegateUdf_SplitsLikeStruct()
    {
        var h = new GraphHarness();
        var outs = Udp(h).GroupBy(2, p => p.Udp.DestinationPort % 2).Select(h.Capture).ToArray();
        h.Push(Enumerable.Range(0, 10).Select(i => ToPort(i)).ToArray());
        h.Poll();
        Assert.That(outs[0].Packets, Has.Count.EqualTo(5));
        Assert.That(outs[1].Packets, Has.Count.EqualTo(5));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void OutOfRangeIds_AreDroppedAndCounted()
    {
        var h = new GraphHarness();
        var outs = Udp(h).GroupBy(2, p => p.Udp.DestinationPort - 1).Select(h.Capture).ToArray(); // port 0 -> -1, port 3 -> 2
        h.Push(ToPort(0), ToPort(1), ToPort(2), ToPort(3), ToPort(500));
        h.Poll();
        var node = h.Nodes<GroupByNode<DelegateGroupBy>>().Single();
        Assert.That(node.PacketsIn, Is.EqualTo(5));
        Assert.That(node.PacketsDropped, Is.EqualTo(3));
        Assert.That(outs.Sum(o => o.Packets.Count), Is.EqualTo(2));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void FullBranch_IsFlushedImmediately_SparseBranchWaitsForPoll()
    {
        var h = new GraphHarness(batchSize: 4);
        var outs = Udp(h).GroupBy(2, new ByPort()).Select(h.Capture).ToArray();
        // Branch 0 gets 9 packets (two full queues and one left over), branch 1 gets one.
        var frames = Enumerable.Range(0, 9).Select(i => ToPort(0, (byte)i)).Append(ToPort(1, 99)).ToArray();
        h.Push(frames);

        Assert.That(outs[0].Packets.Select(p => p.Payload[0]), Is.EqualTo(Enumerable.Range(0, 8).Select(i => (byte)i)));
        Assert.That(outs[0].PacketsIn, Is.EqualTo(8), "two calls of a full batch each");
        Assert.That(outs[1].Packets, Is.Empty);

        Assert.That(h.Poll(), Is.EqualTo(2));
        Assert.That(outs[0].Packets.Last().Payload[0], Is.EqualTo(8));
        Assert.That(outs[1].Packets.Single().Payload[0], Is.EqualTo(99));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void BatchSizeOne_ForwardsWithoutWaitingForPoll()
    {
        var h = new GraphHarness(batchSize: 1);
        var outs = Udp(h).GroupBy(2, new ByPort()).Select(h.Capture).ToArray();
        h.Push(ToPort(1), ToPort(0), ToPort(1));
        Assert.That(outs.Select(o => o.Packets.Count), Is.EqualTo(new[] { 1, 2 }));
        Assert.That(h.Poll(), Is.Zero);
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void UnconnectedBranch_DropsAndCounts()
    {
        var h = new GraphHarness();
        var branches = Udp(h).GroupBy(2, new ByPort());
        var kept = h.Capture(branches[0]);
        h.Push(ToPort(0), ToPort(1), ToPort(1));
        h.Poll();
        var node = h.Nodes<GroupByNode<ByPort>>().Single();
        Assert.That(kept.Packets, Has.Count.EqualTo(1));
        Assert.That(node.PacketsDropped, Is.EqualTo(2));
        Assert.That(h.Builder.Unconnected, Is.EqualTo(new[] { branches[1].Origin }));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void GroupByFlow_KeepsEachFlowInOneBranch_AndSpreadsFlows()
    {
        var h = new GraphHarness();
        var outs = Udp(h).GroupByFlow(4).Select(h.Capture).ToArray();
        var frames = new List<byte[]>();
        for (int round = 0; round < 3; round++)
            for (int flow = 0; flow < 64; flow++) frames.Add(Frames.Udp(sport: (ushort)(1000 + flow), payload: [(byte)round]));
        h.Push(frames.ToArray());
        h.Poll();

        Assert.That(outs.Sum(o => o.Packets.Count), Is.EqualTo(frames.Count));
        var branchOfFlow = new Dictionary<int, int>();
        for (int b = 0; b < outs.Length; b++)
            foreach (var p in outs[b].Packets)
            {
                int sport = p.Bytes[Ethernet.Size + Ipv4.MinSize] << 8 | p.Bytes[Ethernet.Size + Ipv4.MinSize + 1];
                Assert.That(branchOfFlow.GetValueOrDefault(sport, b), Is.EqualTo(b), $"flow {sport} split across branches");
                branchOfFlow[sport] = b;
            }
        Assert.That(outs.Select(o => o.Packets.Count), Is.All.GreaterThan(0));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void GroupByFlow_IsIndependentOfShuffleCore()
    {
        // Behind a 2-core shuffle, core 0 sees only flows whose hash is even; a grouping by the same
        // remainder would send all of them to one branch.
        var h = new GraphHarness();
        var outs = Udp(h).Transform(p => FlowKey.HashOf(p)).Filter(p => p.FlowHash % 2 == 0).GroupByFlow(2).Select(h.Capture).ToArray();
        h.Push(Enumerable.Range(0, 200).Select(i => Frames.Udp(sport: (ushort)(2000 + i))).ToArray());
        h.Poll();
        Assert.That(outs[0].Packets, Is.Not.Empty);
        Assert.That(outs[1].Packets, Is.Not.Empty);
    }

    [Test]
    public void GroupByInputPort_RoutesByPort_DropsUnknownPorts()
    {
        var h = new GraphHarness();
        var outs = h.Input.GroupByInputPort(2).Select(h.Capture).ToArray();
        h.PushOnPort(1, Frames.Udp(), Frames.Udp());
        h.PushOnPort(0, Frames.Udp());
        h.PushOnPort(5, Frames.Udp());
        h.Poll();
        Assert.That(outs[0].Packets.Select(p => p.InputPort), Is.EqualTo(new[] { 0 }));
        Assert.That(outs[1].Packets.Select(p => p.InputPort), Is.EqualTo(new[] { 1, 1 }));
        Assert.That(h.Builder.Nodes.OfType<Node>().Single(n => n.Name == "group-by").PacketsDropped, Is.EqualTo(1));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void GroupByDestination_SameAddressSameBranch_AcrossPorts()
    {
        var h = new GraphHarness();
        var outs = h.Input.Parse<Ethernet>().Parse<Ipv4>().GroupByDestination(4).Select(h.Capture).ToArray();
        var frames = new List<byte[]>();
        for (int host = 1; host <= 40; host++)
            for (int sport = 0; sport < 3; sport++) frames.Add(Frames.Udp(dst: $"10.1.0.{host}", sport: (ushort)(100 + sport)));
        h.Push(frames.ToArray());
        h.Poll();

        var branchOfHost = new Dictionary<byte, int>();
        for (int b = 0; b < outs.Length; b++)
            foreach (var p in outs[b].Packets)
            {
                byte hostByte = p.Bytes[Ethernet.Size + 19];
                Assert.That(branchOfHost.GetValueOrDefault(hostByte, b), Is.EqualTo(b), $"destination .{hostByte} split across branches");
                branchOfHost[hostByte] = b;
            }
        Assert.That(outs.Select(o => o.Packets.Count), Is.All.GreaterThan(0));
        Assert.That(outs.Sum(o => o.Packets.Count), Is.EqualTo(frames.Count));
    }

    [Test]
    public void GroupCount_OutOfRange_Throws()
    {
        var h = new GraphHarness();
        Assert.That(() => h.Input.GroupBy(0, new ByPort()), Throws.TypeOf<ArgumentOutOfRangeException>());
    }
}
