using System.Diagnostics;
using Switchboard.Host.Config;
using Switchboard.Host.Ports;
using Switchboard.Sdk;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Host.Tests.Ports;

/// <summary>The built-in traffic generator: flow table, sizes, RSS queues, count and rate limits, valid frames.</summary>
public sealed unsafe class GeneratorPortTests
{
    private NativePool _pool = null!;

    [OneTimeSetUp] public void CreatePool() => _pool = new NativePool("generator-tests", 4096, maxWorkers: 1);
    [OneTimeTearDown] public void DisposePool() => _pool.Dispose();
    [TearDown] public void CheckNoLeak() => Assert.That(_pool.InUse, Is.Zero, "every buffer returned to the pool");

    private static GeneratorPortSpec Spec(int flows = 100) => new("gen", "$.ports.gen") { Flows = flows };

    private static Ipv4Cidr Net(string cidr) => Ipv4Cidr.Parse(cidr, "test");

    [Test]
    public void FlowsAreDistinctFiveTuplesWithExactTcpShareFromTheConfiguredBlocks()
    {
        var spec = Spec(1000) with { TcpShare = 0.3, SourceNet = "10.1.0.0/16", DestinationNet = "172.16.4.0/24" };
        using var gen = new GeneratorPort(spec, 0, 1, _pool);

        var frames = PortTestSupport.Drain(gen, 0, limit: 1000);
        var keys = frames.Select(f => PortTestSupport.KeyOf(f)!.Value).ToList();

        Assert.That(keys.Distinct().Count(), Is.EqualTo(1000), "one round-robin pass visits every flow once");
        Assert.That(keys.Count(k => k.Protocol == Ipv4.ProtoTcp), Is.EqualTo(300));
        Assert.That(keys.Count(k => k.Protocol == Ipv4.ProtoUdp), Is.EqualTo(700));
        var src = Net("10.1.0.0/16");
        var dst = Net("172.16.4.0/24");
        Assert.That(keys.All(k => k.SourceIpv4 - src.Network < src.Size && k.DestinationIpv4 - dst.Network < dst.Size), Is.True);
        Assert.That(keys.All(k => k.SourcePort >= 1024 && k.DestinationPort >= 1), Is.True);
    }

    [Test]
    public void FixedSizeWhenMinEqualsMax()
    {
        using var gen = new GeneratorPort(Spec(50) with { MinSize = 128, MaxSize = 128 }, 0, 1, _pool);
        Assert.That(PortTestSupport.Drain(gen, 0, limit: 120).Select(f => f.Length), Has.All.EqualTo(128));
    }

    [Test]
    public void VariedSizesAreInRangeAndFixedPerFlow()
    {
        using var gen = new GeneratorPort(Spec(200) with { MinSize = 64, MaxSize = 1514 }, 0, 1, _pool);

        var frames = PortTestSupport.Drain(gen, 0, limit: 600);

        Assert.That(frames.Select(f => f.Length), Has.All.InRange(64, 1514));
        Assert.That(frames.Select(f => f.Length).Distinct().Count(), Is.GreaterThan(50));
        var sizesPerFlow = frames.GroupBy(f => PortTestSupport.KeyOf(f)!.Value).Select(g => g.Select(f => f.Length).Distinct().Count());
        Assert.That(sizesPerFlow, Has.All.EqualTo(1));
    }

    [Test]
    public void EachFlowStaysOnTheQueueItsHashSelects()
    {
        const int queues = 4;
        using var gen = new GeneratorPort(Spec(200), 0, queues, _pool);

        var owner = new Dictionary<FlowKey, int>();
        for (int q = 0; q < queues; q++)
        {
            var frames = PortTestSupport.Drain(gen, q, limit: 2 * gen.FlowsOn(q).Count);
            foreach (var key in frames.Select(f => PortTestSupport.KeyOf(f)!.Value))
            {
                Assert.That(key.Hash() % queues, Is.EqualTo((uint)q), "queue = FlowKey.Hash of the parsed packet mod queues");
                Assert.That(owner.TryAdd(key, q) || owner[key] == q, Is.True);
            }
        }
        Assert.That(owner, Has.Count.EqualTo(200), "every flow is emitted by some queue");
        Assert.That(Enumerable.Range(0, queues).Sum(q => gen.FlowsOn(q).Count), Is.EqualTo(200));
    }

    [Test]
    public void CountLimitStopsAfterThatManyPacketsInTotal()
    {
        using var gen = new GeneratorPort(Spec(90) with { Count = 1001 }, 0, 3, _pool);
        Assert.That(gen.Exhausted, Is.False);

        var perQueue = Enumerable.Range(0, 3).Select(q => PortTestSupport.Drain(gen, q).Count).ToArray();

        Assert.That(perQueue.Sum(), Is.EqualTo(1001));
        Assert.That(gen.Counters.RxPackets, Is.EqualTo(1001));
        Assert.That(gen.Exhausted, Is.True);
        Assert.That(perQueue.Max() - perQueue.Min(), Is.LessThanOrEqualTo(1), "count split evenly over queues");
    }

    [Test]
    public void FramesParseCleanlyWithValidChecksums()
    {
        using var gen = new GeneratorPort(Spec(64) with { MinSize = 60, MaxSize = 1514, TcpShare = 0.5 }, 5, 1, _pool);
        var descs = stackalloc PacketDesc*[32];
        int seen = 0;
        for (int round = 0; round < 4; round++)
        {
            int n = gen.Receive(0, descs, 32);
            for (int i = 0; i < n; i++)
            {
                var d = descs[i];
                Assert.That(d->InputPort, Is.EqualTo(5));
                Assert.That(d->Headroom, Is.EqualTo(_pool.Headroom));
                Assert.That(HeaderParser.Parse(d, HeaderKind.Ethernet), Is.EqualTo(ParseStatus.Ok));
                Assert.That(HeaderParser.Parse(d, HeaderKind.Ipv4), Is.EqualTo(ParseStatus.Ok));
                bool tcp = d->Headers.IpProtocol == Ipv4.ProtoTcp;
                Assert.That(HeaderParser.Parse(d, tcp ? HeaderKind.Tcp : HeaderKind.Udp), Is.EqualTo(ParseStatus.Ok));
                var p = new Packet(d);
                var ip = p.HeaderBytes(HeaderKind.Ipv4);
                Assert.That(Checksum.Compute(ip), Is.Zero, "IPv4 header checksum verifies");
                var l4 = p.Data[(Ethernet.Size + ip.Length)..];
                uint pseudo = Checksum.PseudoHeaderV4(p.Ipv4.Source, p.Ipv4.Destination, d->Headers.IpProtocol, l4.Length);
                Assert.That(Checksum.Fold(Checksum.Sum(l4, pseudo)), Is.Zero, "TCP/UDP checksum verifies");
                Assert.That(p.Ipv4.TotalLength + Ethernet.Size, Is.EqualTo(d->Length));
                seen++;
            }
            BufferPools.FreeBulk(descs, n);
        }
        Assert.That(seen, Is.EqualTo(128));
    }

    [Test]
    public void SameSeedSameTrafficOtherSeedOtherTraffic()
    {
        using var a = new GeneratorPort(Spec(50) with { Seed = 42, MaxSize = 900 }, 0, 2, _pool);
        using var b = new GeneratorPort(Spec(50) with { Seed = 42, MaxSize = 900 }, 0, 2, _pool);
        using var c = new GeneratorPort(Spec(50) with { Seed = 43, MaxSize = 900 }, 0, 2, _pool);

        var fa = PortTestSupport.Hex(PortTestSupport.Drain(a, 1, limit: 80));
        Assert.That(PortTestSupport.Hex(PortTestSupport.Drain(b, 1, limit: 80)), Is.EqualTo(fa));
        Assert.That(PortTestSupport.Hex(PortTestSupport.Drain(c, 1, limit: 80)), Is.Not.EqualTo(fa));
    }

    [Test]
    public void RateLimitBoundsThePacketCount()
    {
        const double mpps = 0.02; // 20,000 packets per second over two queues
        using var gen = new GeneratorPort(Spec(100) with { RateMpps = mpps }, 0, 2, _pool);
        var descs = stackalloc PacketDesc*[32];
        long total = 0;
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < 150)
            for (int q = 0; q < 2; q++)
            {
                int n = gen.Receive(q, descs, 32);
                total += n;
                BufferPools.FreeBulk(descs, n);
            }
        double seconds = sw.Elapsed.TotalSeconds;

        // Upper bound only: the rate plus one burst (32 packets) per queue, with slack for rounding.
        Assert.That(total, Is.LessThanOrEqualTo(mpps * 1e6 * seconds * 1.1 + 2 * 32 + 2));
        Assert.That(gen.Counters.RxPackets, Is.EqualTo(total));
    }

    [Test]
    public void EmptyPoolCountsRxNoBuffer()
    {
        using var tiny = new NativePool("generator-tiny", 8, maxWorkers: 1);
        using var gen = new GeneratorPort(Spec(10), 0, 1, tiny);
        var descs = stackalloc PacketDesc*[32];

        int n = gen.Receive(0, descs, 32);

        Assert.That(n, Is.EqualTo(8));
        Assert.That(gen.Counters.RxNoBuffer, Is.EqualTo(24));
        BufferPools.FreeBulk(descs, n);
        Assert.That(tiny.InUse, Is.Zero);
    }

    [Test]
    public void SendingToTheGeneratorFreesAndCountsDrops()
    {
        using var gen = new GeneratorPort(Spec(10), 0, 1, _pool);
        var frames = new List<byte[]> { PortTestSupport.Udp(1, 2, 3, 4), PortTestSupport.Udp(1, 2, 3, 5) };

        Assert.That(PortTestSupport.Send(gen, _pool, 0, frames), Is.Zero);
        Assert.That(gen.Counters.TxDropped, Is.EqualTo(2));
    }

    [TestCase("10.0.0.0/33", "sourceNet")]
    [TestCase("10.0.0/8", "sourceNet")]
    [TestCase("fe80::/64", "sourceNet")]
    [TestCase("10.0.0.256/8", "destinationNet")]
    public void BadCidrIsRejectedNamingTheSetting(string cidr, string setting)
    {
        var spec = setting == "sourceNet" ? Spec() with { SourceNet = cidr } : Spec() with { DestinationNet = cidr };
        var ex = Assert.Throws<FormatException>(() => new GeneratorPort(spec, 0, 1, _pool));
        Assert.That(ex!.Message, Does.Contain("$.ports.gen." + setting).And.Contain(cidr));
    }

    [Test]
    public void BadSizesAndFlowCountsAreRejected()
    {
        Assert.That(Assert.Throws<ArgumentException>(() => new GeneratorPort(Spec() with { MinSize = 200, MaxSize = 100 }, 0, 1, _pool))!.Message,
            Does.Contain("$.ports.gen").And.Contain("200..100"));
        Assert.That(Assert.Throws<ArgumentException>(() => new GeneratorPort(Spec() with { MaxSize = 9000 }, 0, 1, _pool))!.Message,
            Does.Contain("1514"));
        Assert.That(Assert.Throws<ArgumentException>(() => new GeneratorPort(Spec(0), 0, 1, _pool))!.Message, Does.Contain("flows"));
    }

    [Test]
    public void FactoryBuildsGeneratorAndNullPorts()
    {
        using var gen = PortFactory.Create(Spec(20) with { Count = 40 }, 2, 1, _pool);
        using var sink = PortFactory.Create(new NullPortSpec("sink", "$.ports.sink"), 3, 2, _pool);
        Assert.That((gen.Kind, gen.CanReceive, gen.CanSend), Is.EqualTo(("generator", true, false)));
        Assert.That((sink.Kind, sink.CanReceive, sink.CanSend, sink.Queues), Is.EqualTo(("null", false, true, 2)));

        var frames = PortTestSupport.Drain(gen, 0, expectedPort: 2);
        Assert.That(frames, Has.Count.EqualTo(40));
        Assert.That(gen.Exhausted, Is.True);

        Assert.That(PortTestSupport.Send(sink, _pool, 1, frames), Is.EqualTo(40));
        Assert.That(sink.Counters.TxPackets, Is.EqualTo(40));
        Assert.That(sink.Counters.PerQueue[1].TxBytes, Is.EqualTo(frames.Sum(f => (long)f.Length)));
        Assert.That(PortTestSupport.Drain(sink, 0), Is.Empty);
    }
}
