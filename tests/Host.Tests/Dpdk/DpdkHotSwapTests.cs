using Switchboard.Host.Ports.Dpdk;
using Switchboard.Host.Runtime;
using Switchboard.Host.Tests.Runtime.HotSwap;
using Switchboard.Plugins.Monitor;
using Switchboard.Plugins.Ttl;

namespace Switchboard.Host.Tests.Dpdk;

/// <summary>Hot replace, insert and remove while DPDK ports carry the traffic: every packet counted by sequence number,
/// every mbuf back in its pool.</summary>
public sealed class DpdkHotSwapTests
{
    [Test]
    public void ReplaceInsertRemove_WhileMbufsFlow_LoseNothing_AndLeakNoMbuf()
    {
        // gen (managed buffers) -> sg -> ttl -> net_ring (copied into mbufs, a TX queue per core) ... net_ring (RX queue
        // per core) -> monitor -> sink. The NFs are swapped while mbufs sit in the shuffle rings, the batches and the ring.
        string eal = string.Join(", ", DpdkEnvironment.Eal.Select(a => $"\"{a}\""));
        using var rig = new SeqRig("""
            "sg": { "type": "test-shuffle-groupby" }, "ttl": { "type": "ttl" }, "monitor": { "type": "monitor" }
            """,
            """
            [ { "name": "out", "from": "gen", "through": ["sg", "ttl"], "to": "ring" },
              { "name": "back", "from": "ring", "through": ["monitor"], "to": "sink" } ]
            """,
            cores: 2,
            morePorts: """, "ring": { "type": "dpdk", "device": "net_ring30", "rxDescriptors": 1024, "txDescriptors": 1024 }""",
            settings: $$""" "dpdk": { "eal": [{{eal}}] }, """);
        rig.WaitForTraffic(20_000);
        var reports = new List<HotSwapReport>();
        for (int i = 0; i < 6; i++)
        {
            reports.Add(rig.Dp.ReplaceNf("ttl", () => new TtlNf(), "ttl"));
            rig.WaitForTraffic();
            reports.Add(rig.Dp.ReplaceNf("monitor", () => new MonitorNf(), "monitor"));
            rig.WaitForTraffic();
            reports.Add(rig.Dp.ReplaceNf("sg", () => new Switchboard.Host.Tests.Runtime.ShuffleGroupByNf(), "test-shuffle-groupby"));
            rig.WaitForTraffic();
        }
        reports.Add(rig.Dp.InsertNf("back", 0, "mon2", "monitor", () => new MonitorNf()));
        rig.WaitForTraffic();
        reports.Add(rig.Dp.RemoveNf("ttl"));
        rig.WaitForTraffic();
        Assert.That(rig.Dp.ChainLayout.Select(c => c.Through), Is.EqualTo(new[] { new[] { "sg" }, new[] { "mon2", "monitor" } }));
        var ring = (DpdkPort)rig.Dp.Ports["ring"];
        var statuses = rig.Dp.NfStatuses().ToDictionary(s => s.Name, s => s.Generation);
        var audit = rig.Finish();

        TestContext.Out.WriteLine($"sent {audit.Generated}, received {audit.Received}, lost {audit.Missing}, duplicated {audit.Duplicated}, " +
                                  $"dropped {audit.Dropped}, drained from old queues {reports.Sum(r => r.DrainedPackets)}");
        Assert.That(audit.Missing, Is.Zero, "lost");
        Assert.That(audit.Duplicated, Is.Zero, "duplicated");
        Assert.That(audit.Dropped, Is.Zero);
        Assert.That(audit.Received, Is.EqualTo(audit.Generated));
        Assert.That(audit.Leaked, Is.Zero, "mbufs and managed buffers all back in their pools");
        Assert.That(ring.Counters.TxPackets, Is.EqualTo(audit.Generated), "every packet crossed the DPDK ring once");
        Assert.That(ring.Counters.PerQueue.Select(q => q.RxPackets), Is.All.GreaterThan(0), "both cores received from the ring");
        Assert.That((statuses["sg"], statuses["monitor"]), Is.EqualTo((6, 6)));
    }
}
