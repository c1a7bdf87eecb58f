using System.Text.Json;
using Switchboard.Plugins.Monitor;
using Switchboard.Sdk;
using Switchboard.Sdk.Tests.Support;

namespace Switchboard.Plugins.Tests.Monitor;

public class MonitorNfTests
{
    private static NfConfig Config(string json) => new(JsonDocument.Parse(json).RootElement.Clone(), "$.nfs.mon.config");

    [Test]
    public void CountsPacketsAndBytesPerFlow_AndPassesEverything()
    {
        var h = new GraphHarness();
        var nf = new MonitorNf();
        var output = h.Capture(nf.Build(h.Input, h.NfContext("mon")));
        var a = Frames.Tcp(sport: 1000, frameSize: 100);
        var b = Frames.Udp(sport: 2000, frameSize: 200);
        var arp = new byte[60];
        arp[12] = 0x08; arp[13] = 0x06;
        h.Push(a, b, a, arp, a);

        Assert.That(output.Packets, Has.Count.EqualTo(5), "a monitor never drops");
        Assert.That(nf.Table.Count, Is.EqualTo(2));
        var tcp = FlowKey.Ipv4(Ipv4.Address("10.0.0.1"), Ipv4.Address("10.0.0.2"), 1000, 80, Ipv4.ProtoTcp);
        var udp = FlowKey.Ipv4(Ipv4.Address("10.0.0.1"), Ipv4.Address("10.0.0.2"), 2000, 53, Ipv4.ProtoUdp);
        Assert.That(nf.Table.Get(tcp), Is.EqualTo(new FlowCounters(3, 300)));
        Assert.That(nf.Table.Get(udp), Is.EqualTo(new FlowCounters(1, 200)));
        Assert.That(nf.Table.Get(tcp.Reverse()), Is.EqualTo(default(FlowCounters)), "directions are separate flows");
        Assert.That((nf.Table.Bytes, nf.Table.NonIp), Is.EqualTo((500L, 1L)));
        Assert.That(nf.Table.Describe(1), Does.Contain("10.0.0.1:1000 -> 10.0.0.2:80").And.Contain("3 pkts"));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void Ipv6Flows_AreCountedPerFlow_NotAsNonIp()
    {
        var h = new GraphHarness();
        var nf = new MonitorNf();
        var output = h.Capture(nf.Build(h.Input, h.NfContext("mon")));
        static byte[] V6(ushort sport)
        {
            var buf = new byte[128];
            int n = FrameBuilder.Ipv6Udp(buf, Ipv6Address.Parse("2001:db8::1"), Ipv6Address.Parse("2001:db8::2"), sport, 53, new byte[10]);
            return buf[..n];
        }
        var a = V6(5000);
        h.Push(a, V6(6000), a, Frames.Udp(sport: 2000, frameSize: 100));

        Assert.That(output.Packets, Has.Count.EqualTo(4));
        Assert.That((nf.Table.Count, nf.Table.NonIp), Is.EqualTo((3, 0L)));
        Assert.That(nf.Table.Bytes, Is.EqualTo(3L * a.Length + 100));
        Assert.That(nf.Table.Describe(1), Does.Contain("2001:db8::1").And.Contain(":5000").And.Contain("2 pkts"));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void BeyondMaxFlows_NewFlowsAreCountedAsUntracked_KnownOnesStillCounted()
    {
        var h = new GraphHarness();
        var nf = new MonitorNf();
        h.Capture(nf.Build(h.Input, h.NfContext("mon", Config("""{ "maxFlows": 2 }"""))));
        h.Push(Frames.Udp(sport: 1), Frames.Udp(sport: 2), Frames.Udp(sport: 3), Frames.Udp(sport: 1), Frames.Udp(sport: 4));
        Assert.That((nf.Table.Count, nf.Table.Untracked), Is.EqualTo((2, 2L)));
        Assert.That(nf.Table.Get(FlowKey.Ipv4(Ipv4.Address("10.0.0.1"), Ipv4.Address("10.0.0.2"), 1, 53, Ipv4.ProtoUdp)).Packets, Is.EqualTo(2));
    }

    [Test]
    public void CountingDoesNotAllocate()
    {
        var h = new GraphHarness();
        new MonitorNf().Build(h.Input, h.NfContext("mon")).Drop();
        var warm = Enumerable.Range(0, 64).Select(i => Frames.Udp(sport: (ushort)i)).ToArray();
        byte[][] Measured(int first) => Enumerable.Range(0, 64).Select(i => Frames.Tcp(sport: (ushort)(first + i % 8))).ToArray();
        Assert.That(h.AllocatedWhileRunning(warm, Measured(0), Measured(100), Measured(200)), Is.Zero);
    }
}
