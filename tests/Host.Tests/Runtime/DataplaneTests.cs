using System.Buffers.Binary;
using Switchboard.Host.Runtime;
using Switchboard.Sdk;

namespace Switchboard.Host.Tests.Runtime;

public class DataplaneTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "sb-rt-" + Guid.NewGuid().ToString("N")));

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void GeneratorThroughTtlAndMonitorOnTwoCores_EveryPacketArrivesDecremented()
    {
        var d = RuntimeHarness.Load($$"""
        {
          "cores": 2,
          "ports": {
            "gen": { "type": "generator", "flows": 200, "count": 20000, "packetSize": [64, 300] },
            "cap": { "type": "pcap-out", "file": "out.pcap" }
          },
          "nfs": { "ttl": { "type": "ttl" }, "mon": { "type": "monitor" } },
          "chains": [ { "from": "gen", "through": ["ttl", "mon"], "to": "cap" } ]
        }
        """, _dir);
        var dp = RuntimeHarness.RunToCompletion(d);
        var monitorFlows = dp.Nfs.Where(n => n.Name == "mon").Sum(n => ((Switchboard.Plugins.Monitor.MonitorNf)n.Function).Table.Count);
        var perCoreIn = dp.Nfs.Where(n => n.Name == "ttl").Select(n => n.Entry.PacketsIn).ToList();
        dp.Dispose();

        Assert.That(dp.LeakedBuffers, Is.Zero);
        var frames = RuntimeHarness.ReadPcap(Path.Combine(_dir, "out.pcap"));
        Assert.That(frames, Has.Count.EqualTo(20000));
        Assert.That(monitorFlows, Is.EqualTo(200), "each flow is counted on exactly one core");
        Assert.That(perCoreIn, Has.All.GreaterThan(0), "both cores carried traffic");
        foreach (var f in frames)
        {
            Assert.That(f[14 + 8], Is.EqualTo(63), "TTL decremented once");
            Assert.That(Checksum.Compute(f.AsSpan(14, 20)), Is.Zero, "IPv4 header checksum still valid");
        }
    }

    [Test]
    public void PcapReplayThroughTtl_OutputIsExactlyTheExpectedBytes()
    {
        var input = new List<byte[]>();
        var expected = new List<byte[]>();
        var buf = new byte[2048];
        for (int i = 0; i < 300; i++)
        {
            byte hops = (byte)(i % 7 == 0 ? 1 : 2 + i % 60);
            int n = i % 3 == 0
                ? FrameBuilder.Ipv4Udp(buf, Ipv4.Address("10.1.0.1") + (uint)i, Ipv4.Address("10.2.0.1"), (ushort)(1000 + i), 53, new byte[i % 50], ttl: hops)
                : FrameBuilder.Ipv4Tcp(buf, Ipv4.Address("10.1.0.1"), Ipv4.Address("10.2.0.1") + (uint)i, 4000, 80, (uint)i, 0, Tcp.Ack, new byte[i % 90], ttl: hops);
            var frame = buf[..n];
            input.Add(frame);
            if (hops > 1)
            {
                var o = (byte[])frame.Clone();
                o[14 + 8] = (byte)(hops - 1);
                o[14 + 10] = o[14 + 11] = 0;
                BinaryPrimitives.WriteUInt16BigEndian(o.AsSpan(14 + 10), Checksum.Compute(o.AsSpan(14, 20)));
                expected.Add(o);
            }
        }
        input.Add(new byte[60]); // not IPv4: the TTL NF's parse drops it
        RuntimeHarness.WritePcap(Path.Combine(_dir, "in.pcap"), input);

        var d = RuntimeHarness.Load("""
        {
          "cores": 1,
          "ports": { "in": { "type": "pcap-in", "file": "in.pcap" }, "out": { "type": "pcap-out", "file": "out.pcap" } },
          "nfs": { "ttl": { "type": "ttl" } },
          "chains": [ { "from": "in", "through": ["ttl"], "to": "out" } ]
        }
        """, _dir);
        var dp = RuntimeHarness.RunToCompletion(d);
        var ttl = dp.Nfs.Single();
        long dropped = ttl.Nodes.Sum(n => n.PacketsDropped);
        dp.Dispose();

        Assert.That(dp.LeakedBuffers, Is.Zero);
        var output = RuntimeHarness.ReadPcap(Path.Combine(_dir, "out.pcap"));
        Assert.That(output.Select(Convert.ToHexString), Is.EqualTo(expected.Select(Convert.ToHexString)));
        Assert.That(dropped, Is.EqualTo(input.Count - expected.Count));
    }

    [Test]
    public void StopDrainsShuffleAndGroupByQueues_EveryPacketIsAccountedFor()
    {
        var d = RuntimeHarness.Load("""
        {
          "cores": 2,
          "ports": { "gen": { "type": "generator", "flows": 500 }, "sink": { "type": "null" } },
          "nfs": { "sg": { "type": "test-shuffle-groupby" } },
          "chains": [ { "from": "gen", "through": ["sg"], "to": "sink" } ]
        }
        """);
        var dp = RuntimeHarness.RunToCompletion(d, stopAfter: 0.5);
        long rx = dp.Ports["gen"].Counters.RxPackets;
        long tx = dp.Ports["sink"].Counters.TxPackets;
        long dropped = dp.Workers.Sum(w => w.Core.DroppedTotal);
        dp.Dispose();

        Assert.That(rx, Is.GreaterThan(0));
        Assert.That(tx + dropped, Is.EqualTo(rx), "nothing stranded in a queue at shutdown");
        Assert.That(dp.LeakedBuffers, Is.Zero);
    }

    [Test]
    public void ScheduledEventsRunOnTheWorkerCores()
    {
        var d = RuntimeHarness.Load("""
        {
          "cores": 2,
          "ports": { "gen": { "type": "generator", "rateMpps": 0.01 }, "sink": { "type": "null" } },
          "nfs": { "tick": { "type": "test-ticker" } },
          "chains": [ { "from": "gen", "through": ["tick"], "to": "sink" } ]
        }
        """);
        var dp = RuntimeHarness.RunToCompletion(d, stopAfter: 0.3);
        var counters = new List<KeyValuePair<string, long>>();
        foreach (var nf in dp.Nfs) ((ICounterSource)nf.Function).ReadCounters(counters);
        dp.Dispose();

        Assert.That(counters.Where(c => c.Key == "ticks").Select(c => c.Value), Has.All.GreaterThan(2), "each core's replica ticked");
        Assert.That(counters.Where(c => c.Key == "ran-on-own-core").Select(c => c.Value), Has.All.EqualTo(1));
    }

    [Test]
    public void NfConfigErrorIsReportedWithItsPathAndNothingStarts()
    {
        var d = RuntimeHarness.Load("""
        {
          "cores": 2,
          "ports": { "gen": { "type": "generator" }, "sink": { "type": "null" } },
          "nfs": { "bad": { "type": "test-bad-config", "config": { "threshold": 99 } } },
          "chains": [ { "from": "gen", "through": ["bad"], "to": "sink" } ]
        }
        """);
        var ex = Assert.Throws<DeploymentException>(() => Dataplane.Build(d, RuntimeHarness.Registry(), _ => { }));
        Assert.That(ex!.Errors, Is.EqualTo(new[] { "$.nfs.bad.config.threshold: 99 is outside 1..10" }));
    }

    [Test]
    public void UnconnectedBranchIsRefused()
    {
        var d = RuntimeHarness.Load("""
        {
          "cores": 1,
          "ports": { "gen": { "type": "generator" }, "sink": { "type": "null" } },
          "nfs": { "dangle": { "type": "test-dangling" } },
          "chains": [ { "from": "gen", "through": ["dangle"], "to": "sink" } ]
        }
        """);
        var ex = Assert.Throws<DeploymentException>(() => Dataplane.Build(d, RuntimeHarness.Registry(), _ => { }));
        Assert.That(ex!.Errors.Single(), Does.Contain("dangle/group-by[1]").And.Contain("not connected"));
    }
}
