using Switchboard.Sdk.Runtime;
using Switchboard.Sdk.Tests.Support;

namespace Switchboard.Sdk.Tests.Operators;

public class ShuffleTests
{
    private struct ToCore(uint core) : IShuffle
    {
        public uint Key(Packet p) => core;
    }

    /// <summary>Flow <paramref name="flow"/> of source core <paramref name="core"/>; the payload says who sent it and its sequence number.</summary>
    private static byte[] FlowPacket(int core, int flow, int seq) =>
        Frames.Udp(src: $"10.0.{core}.1", sport: (ushort)(1000 + flow), payload: [(byte)core, (byte)flow, (byte)(seq >> 8), (byte)seq]);

    private static uint ExpectedHash(int core, int flow) =>
        FlowKey.Ipv4(Ipv4.Address($"10.0.{core}.1"), Ipv4.Address("10.0.0.2"), (ushort)(1000 + flow), 53, Ipv4.ProtoUdp).Hash();

    [TestCase(2)]
    [TestCase(4)]
    public void ShuffleByFlow_OnRealThreads_EveryPacketOnce_OnItsFlowsCore_InFlowOrder(int cores)
    {
        // Per source core fewer packets than a ring holds, so no drop is possible whatever the thread timing.
        const int flowsPerCore = 24, packetsPerFlow = 40;
        int total = cores * flowsPerCore * packetsPerFlow;
        Assert.That(flowsPerCore * packetsPerFlow, Is.LessThan(ShuffleExchange.DefaultRingSize));

        var shared = new SharedRegistry();
        var harnesses = Enumerable.Range(0, cores).Select(c => new GraphHarness(c, cores, shared)).ToArray();
        var captures = harnesses.Select(h => h.Capture(h.Input.Parse<Ethernet>().Parse<Ipv4>().Parse<Udp>().ShuffleByFlow())).ToArray();
        var delivered = new int[cores];
        var errors = new Exception?[cores];
        using var start = new Barrier(cores);

        var threads = Enumerable.Range(0, cores).Select(c => new Thread(() =>
        {
            try
            {
                NativePool.SetWorkerIndex(c);
                var h = harnesses[c];
                var frames = new List<byte[]>();
                for (int seq = 0; seq < packetsPerFlow; seq++)
                    for (int f = 0; f < flowsPerCore; f++) frames.Add(FlowPacket(c, f, seq));
                start.SignalAndWait();
                foreach (var chunk in frames.Chunk(32))
                {
                    h.Push(chunk);
                    h.Poll();
                    Volatile.Write(ref delivered[c], captures[c].Packets.Count);
                }
                var deadline = DateTime.UtcNow.AddSeconds(10);
                while (delivered.Sum(d => Volatile.Read(ref d)) < total && DateTime.UtcNow < deadline)
                {
                    if (h.Poll() == 0) Thread.Yield();
                    Volatile.Write(ref delivered[c], captures[c].Packets.Count);
                }
            }
            catch (Exception e) { errors[c] = e; }
        }) { IsBackground = true, Name = $"core-{c}" }).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        TestPool.Pool.DrainCaches();

        Assert.That(errors, Is.All.Null);
        var shuffles = harnesses.Select(h => h.Nodes<ShuffleNode<Pipe.FlowShuffle>>().Single()).ToArray();
        Assert.That(shuffles.Sum(s => s.RingFull), Is.Zero);
        Assert.That(shuffles.Sum(s => s.SentAway), Is.GreaterThan(0), "packets crossed cores");
        Assert.That(shuffles.Sum(s => s.Received), Is.EqualTo(shuffles.Sum(s => s.SentAway)));

        var all = captures.SelectMany(c => c.Packets).ToList();
        Assert.That(all, Has.Count.EqualTo(total));
        var ids = all.Select(p => (Src: p.Payload[0], Flow: p.Payload[1], Seq: p.Payload[2] << 8 | p.Payload[3])).ToList();
        Assert.That(ids.Distinct().Count(), Is.EqualTo(total), "every packet exactly once");

        foreach (var p in all)
        {
            uint hash = ExpectedHash(p.Payload[0], p.Payload[1]);
            Assert.That(p.FlowHash, Is.EqualTo(hash));
            Assert.That(p.Core, Is.EqualTo((int)(hash % (uint)cores)), "a flow is handled on core hash % cores");
        }
        foreach (var cap in captures)
            foreach (var flow in cap.Packets.GroupBy(p => (p.Payload[0], p.Payload[1])))
                Assert.That(flow.Select(p => p.Payload[2] << 8 | p.Payload[3]), Is.EqualTo(Enumerable.Range(0, packetsPerFlow)), $"order of flow {flow.Key}");
        Assert.That(captures.Select(c => c.Packets.Count), Is.All.GreaterThan(0), "flows spread over every core");
        Assert.That(harnesses[0].InUseDelta, Is.Zero);
    }

    [Test]
    public void RingFull_DropsAndCounts_RestArriveOnPoll()
    {
        var shared = new SharedRegistry();
        var sender = new GraphHarness(0, 2, shared);
        var receiver = new GraphHarness(1, 2, shared);
        var sent = sender.Capture(sender.Input.Shuffle(new ToCore(1)));
        var got = receiver.Capture(receiver.Input.Shuffle(new ToCore(1)).Compose("on-core-1"));

        int n = ShuffleExchange.DefaultRingSize + 76;
        sender.Push(Enumerable.Range(0, n).Select(i => Frames.Udp(payload: [(byte)(i >> 8), (byte)i])).ToArray());
        var node = sender.Nodes<ShuffleNode<ToCore>>().Single();
        Assert.That(node.SentAway, Is.EqualTo(ShuffleExchange.DefaultRingSize));
        Assert.That(node.RingFull, Is.EqualTo(76));
        Assert.That(node.PacketsDropped, Is.EqualTo(76));
        Assert.That(sent.Packets, Is.Empty);

        Assert.That(receiver.Poll(), Is.EqualTo(ShuffleExchange.DefaultRingSize));
        Assert.That(got.Packets.Select(p => p.Bytes[^2] << 8 | p.Bytes[^1]), Is.EqualTo(Enumerable.Range(0, ShuffleExchange.DefaultRingSize)));
        Assert.That(got.Packets.Select(p => p.Core), Is.All.EqualTo(1));
        Assert.That(sender.InUseDelta, Is.Zero);
    }

    [Test]
    public void SingleCore_KeepsEverythingLocal()
    {
        var h = new GraphHarness();
        var outPipe = h.Capture(h.Input.Parse<Ethernet>().Parse<Ipv4>().ShuffleByFlow());
        h.Push(Enumerable.Range(0, 10).Select(i => FlowPacket(0, i, 0)).ToArray());
        Assert.That(outPipe.Packets, Has.Count.EqualTo(10), "no poll needed");
        Assert.That(h.Poll(), Is.Zero);
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void Replicas_ShareOneExchangePerShuffle()
    {
        var shared = new SharedRegistry();
        var a = new GraphHarness(0, 2, shared);
        var b = new GraphHarness(1, 2, shared);
        a.Input.ShuffleByFlow().ShuffleByFlow().Drop();
        b.Input.ShuffleByFlow().ShuffleByFlow().Drop();
        var exchanges = new[] { a, b }.SelectMany(h => h.Builder.Nodes.OfType<ShuffleNode<Pipe.FlowShuffle>>())
            .Select(n => n.Exchange).ToArray();
        Assert.That(exchanges[0], Is.SameAs(exchanges[2]));
        Assert.That(exchanges[1], Is.SameAs(exchanges[3]));
        Assert.That(exchanges[0], Is.Not.SameAs(exchanges[1]));
    }

    private struct Stamp { public int Origin; }

    [Test]
    public void Metadata_TravelsWithThePacketToAnotherCore()
    {
        var shared = new SharedRegistry();
        var a = new GraphHarness(0, 2, shared);
        var b = new GraphHarness(1, 2, shared);
        Pipe Build(GraphHarness h) => h.Input.Transform(p => p.Metadata<Stamp>().Origin = 1000 + h.Core.CoreId)
            .Shuffle(new ToCore(1)).Filter(p => p.Metadata<Stamp>().Origin == 1000);
        var outA = a.Capture(Build(a));
        var outB = b.Capture(Build(b));
        a.Push(Frames.Udp(), Frames.Udp());
        b.Poll();
        Assert.That(outA.Packets, Is.Empty);
        Assert.That(outB.Packets, Has.Count.EqualTo(2), "core 1 reads what core 0 wrote");
        Assert.That(a.InUseDelta, Is.Zero);
    }
}
