using System.Diagnostics;
using Switchboard.Host.Config;
using Switchboard.Host.Ports;
using Switchboard.Host.Ports.Dpdk;
using Switchboard.Host.Runtime;
using Switchboard.Host.Tests.Config;
using Switchboard.Host.Tests.Runtime;
using Switchboard.Sdk;

namespace Switchboard.Host.Tests.Dpdk;

/// <summary>Whole deployments on DPDK virtual devices, run the way <c>switchboard run</c> runs them.</summary>
public sealed class DpdkDataplaneTests
{
    private static string Eal => string.Join(", ", DpdkEnvironment.Eal.Select(a => $"\"{a}\""));

    private static Deployment Load(string json, TempDir dir) => RuntimeHarness.Load(json, dir.Path);

    [Test]
    public void PcapThroughTtl_WritesTheSameBytesAsTheManagedPath()
    {
        using var dir = new TempDir();
        File.Copy(DpdkEnvironment.SamplePcap, Path.Combine(dir.Path, "in.pcap"));
        var dpdk = Load($$"""
            { "cores": 1, "dpdk": { "eal": [{{Eal}}], "mempoolSize": 4095, "cacheSize": 64 },
              "ports": { "wire": { "type": "dpdk", "device": "net_pcap20,rx_pcap=in.pcap,tx_pcap=dpdk-out.pcap" } },
              "nfs": { "ttl": { "type": "ttl" } },
              "chains": [ { "from": "wire", "through": ["ttl"], "to": "wire" } ] }
            """, dir);
        var managed = Load("""
            { "cores": 1,
              "ports": { "in": { "type": "pcap-in", "file": "in.pcap" }, "out": { "type": "pcap-out", "file": "managed-out.pcap" } },
              "nfs": { "ttl": { "type": "ttl" } },
              "chains": [ { "from": "in", "through": ["ttl"], "to": "out" } ] }
            """, dir);

        var dp = RuntimeHarness.RunToCompletion(dpdk);
        Assert.That(dp.SourcesExhausted, Is.True, "net_pcap replaying a file once ends");
        var port = (DpdkPort)dp.Ports["wire"];
        long multiSegment = port.RxMultiSegmentTotal;
        dp.Dispose();
        Assert.That(dp.LeakedBuffers, Is.Zero);
        using (var m = RuntimeHarness.RunToCompletion(managed)) { }

        var input = RuntimeHarness.ReadPcap(Path.Combine(dir.Path, "in.pcap"));
        var viaDpdk = RuntimeHarness.ReadPcap(Path.Combine(dir.Path, "dpdk-out.pcap"));
        var viaManaged = RuntimeHarness.ReadPcap(Path.Combine(dir.Path, "managed-out.pcap"));
        int fitting = input.Count(f => f.Length <= DpdkPool.DefaultDataRoom);
        Assert.That(viaDpdk, Has.Count.EqualTo(fitting), "every frame that fits an mbuf comes out once");
        Assert.That(multiSegment, Is.EqualTo(input.Count - fitting), "larger frames are dropped and counted");
        Assert.That(viaDpdk, Is.EqualTo(viaManaged));
        Assert.That(viaDpdk, Is.Not.EqualTo(input.Where(f => f.Length <= DpdkPool.DefaultDataRoom).ToList()), "the TTL NF changed bytes");
    }

    [Test]
    public void FramesLargerThanAnMbuf_AreForwardedAsChains_ButNoNfSeesThem_AndAPcapFileCountsThem()
    {
        using var dir = new TempDir();
        var frames = RuntimeHarness.UdpFrames(10, 3000, 100, 9000, 500);
        var small = frames.Where(f => f.Length <= DpdkPool.DefaultDataRoom).ToList();
        int chained = frames.Count - small.Count;
        RuntimeHarness.WritePcap(Path.Combine(dir.Path, "in.pcap"), frames);
        // net_pcap chains a frame larger than its mbufs. Forwarded port to port it goes out whole; an NF's entry drops
        // it (the NF could read only its first segment); a pcap file cannot hold it.
        var d = Load($$"""
            { "cores": 1, "dpdk": { "eal": [{{Eal}}] },
              "ports": {
                "wire": { "type": "dpdk", "device": "net_pcap21,rx_pcap=in.pcap,tx_pcap=out.pcap" },
                "tap": { "type": "dpdk", "device": "net_pcap22,rx_pcap=in.pcap,tx_pcap=monitored.pcap" },
                "copy": { "type": "dpdk", "device": "net_pcap23,rx_pcap=in.pcap" },
                "file": { "type": "pcap-out", "file": "file.pcap" } },
              "nfs": { "monitor": { "type": "monitor" } },
              "chains": [
                { "from": "wire", "through": [], "to": "wire" },
                { "from": "tap", "through": ["monitor"], "to": "tap" },
                { "from": "copy", "through": [], "to": "file" } ] }
            """, dir);
        var dp = RuntimeHarness.RunToCompletion(d);
        Assert.That(dp.Failures, Is.Empty);
        Assert.That(((DpdkPort)dp.Ports["wire"]).RxMultiSegmentTotal, Is.Zero, "net_pcap allocates from the port's pool: chains are let in");
        Assert.That(dp.Ports["wire"].Counters.TxBytes, Is.EqualTo(frames.Sum(f => (long)f.Length)), "TX bytes count whole chains");
        var entry = dp.Nfs.Single(n => n.Name == "monitor").Entry;
        Assert.That((entry.PacketsIn, entry.PacketsDropped), Is.EqualTo(((long)frames.Count, (long)chained)), "the NF's entry drops chains, counted");
        var file = dp.Ports["file"];
        Assert.That((file.Counters.TxPackets, file.Counters.TxDropped), Is.EqualTo(((long)small.Count, (long)chained)),
            "a pcap file cannot hold a chain's other segments: dropped and counted, not written truncated");
        dp.Dispose();
        Assert.That(dp.LeakedBuffers, Is.Zero, "every segment back in the pool");
        Assert.That(chained, Is.EqualTo(2));
        Assert.That(RuntimeHarness.ReadPcap(Path.Combine(dir.Path, "out.pcap")), Is.EqualTo(frames), "a DPDK port sends chains whole");
        Assert.That(RuntimeHarness.ReadPcap(Path.Combine(dir.Path, "monitored.pcap")), Is.EqualTo(small));
        Assert.That(RuntimeHarness.ReadPcap(Path.Combine(dir.Path, "file.pcap")), Is.EqualTo(small));
    }

    [Test]
    public void RingLoopback_OnTwoCores_CarriesEveryPacketOnce_OnBothQueues()
    {
        using var dir = new TempDir();
        var frames = Enumerable.Range(0, 400).Select(i =>
        {
            var buf = new byte[256];
            int n = i % 2 == 0
                ? FrameBuilder.Ipv4Udp(buf, Ipv4.Address("10.1.0.1") + (uint)(i % 97), Ipv4.Address("10.2.0.1"), (ushort)(1000 + i % 89), 53, new byte[i % 50])
                : FrameBuilder.Ipv4Tcp(buf, Ipv4.Address("10.1.0.1"), Ipv4.Address("10.2.0.1") + (uint)(i % 83), (ushort)(4000 + i % 7), 80, (uint)i, 0, Tcp.Ack, new byte[i % 90]);
            return buf[..n];
        }).ToList();
        RuntimeHarness.WritePcap(Path.Combine(dir.Path, "in.pcap"), frames);
        // in (managed, 2 queues by flow) -> ttl -> ring (TX queue per core) ... ring (RX queue per core) -> out
        var d = Load($$"""
            { "cores": 2, "dpdk": { "eal": [{{Eal}}] },
              "ports": {
                "in": { "type": "pcap-in", "file": "in.pcap" },
                "ring": { "type": "dpdk", "device": "net_ring20", "rxDescriptors": 512, "txDescriptors": 512 },
                "out": { "type": "pcap-out", "file": "out.pcap" } },
              "nfs": { "ttl": { "type": "ttl" }, "monitor": { "type": "monitor" } },
              "chains": [
                { "name": "to-ring", "from": "in", "through": ["ttl"], "to": "ring" },
                { "name": "from-ring", "from": "ring", "through": ["monitor"], "to": "out" } ] }
            """, dir);
        var dp = Dataplane.Build(d, RuntimeHarness.Registry(), _ => { });
        var ring = (DpdkPort)dp.Ports["ring"];
        var output = dp.Ports["out"];
        dp.Start(pinThreads: false);
        var clock = Stopwatch.StartNew();
        while (output.Counters.TxPackets < frames.Count && clock.Elapsed.TotalSeconds < 20) Thread.Sleep(5);
        dp.Stop();
        Assert.That(dp.Failures, Is.Empty);
        for (int q = 0; q < 2; q++)
        {
            Assert.That(ring.Counters.PerQueue[q].RxPackets, Is.GreaterThan(0), $"queue {q} carried traffic");
            Assert.That(ring.Counters.PerQueue[q].RxPackets, Is.EqualTo(ring.Counters.PerQueue[q].TxPackets), $"queue {q} loops back");
        }
        dp.Dispose();
        Assert.That(dp.LeakedBuffers, Is.Zero);

        var expected = Load("""
            { "cores": 1,
              "ports": { "in": { "type": "pcap-in", "file": "in.pcap" }, "out": { "type": "pcap-out", "file": "expected.pcap" } },
              "nfs": { "ttl": { "type": "ttl" } },
              "chains": [ { "from": "in", "through": ["ttl"], "to": "out" } ] }
            """, dir);
        using (RuntimeHarness.RunToCompletion(expected)) { }
        static List<string> Sorted(List<byte[]> f) => f.Select(Convert.ToHexString).Order(StringComparer.Ordinal).ToList();
        var got = RuntimeHarness.ReadPcap(Path.Combine(dir.Path, "out.pcap"));
        Assert.That(got, Has.Count.EqualTo(frames.Count));
        Assert.That(Sorted(got), Is.EqualTo(Sorted(RuntimeHarness.ReadPcap(Path.Combine(dir.Path, "expected.pcap")))));
    }

    [Test]
    public void NullSource_OnTwoCores_UsesRss_AndReturnsEveryMbuf()
    {
        using var dir = new TempDir();
        var d = Load($$"""
            { "cores": 2, "dpdk": { "eal": [{{Eal}}], "mempoolSize": 8191, "cacheSize": 256 },
              "ports": { "src": { "type": "dpdk", "device": "net_null20,size=64" }, "sink": { "type": "dpdk", "device": "net_null21" } },
              "nfs": { "ttl": { "type": "ttl" } },
              "chains": [ { "from": "src", "through": ["ttl"], "to": "sink" } ] }
            """, dir);
        var dp = RuntimeHarness.RunToCompletion(d, stopAfter: 0.3);
        var src = (DpdkPort)dp.Ports["src"];
        var sink = (DpdkPort)dp.Ports["sink"];
        Assert.That(src.RssEnabled, Is.True);
        Assert.That(src.Counters.PerQueue.Select(q => q.RxPackets), Is.All.GreaterThan(0));
        long dropped = dp.Workers.Sum(w => w.Core.DroppedTotal);
        Assert.That(sink.Counters.TxPackets + sink.Counters.TxDropped + dropped, Is.EqualTo(src.Counters.RxPackets), "every packet sent or dropped, once");
        Assert.That(dp.DpdkPool!.InUse, Is.Zero, "workers gave back their mempool caches");
        dp.Dispose();
        Assert.That(dp.LeakedBuffers, Is.Zero);
    }
}
