using System.Diagnostics;
using Switchboard.Plugins.Nat;
using Switchboard.Sdk.Tests.Support;
using static Switchboard.Plugins.Tests.Nat.NatFrames;

namespace Switchboard.Plugins.Tests.Nat;

/// <summary>Mappings created and expired in random order on a small table (16 mappings, so a 32-slot outbound index
/// where 40 flows' probe runs collide and wrap): every mapping still alive must keep being found, whatever was removed
/// around it in the index.</summary>
public class NatChurnTests
{
    [TestCase(1)]
    [TestCase(2)]
    public void RandomChurn_LiveMappingsKeepTheirPort(int seed)
    {
        long now = 0;
        var h = new GraphHarness(clock: () => now);
        var nf = new NatNf();
        var output = h.Capture(nf.Build(h.Input, h.NfContext("nat", Config("""
            { "insideNets": ["10.0.0.0/8"], "snat": { "addresses": ["203.0.113.1"], "ports": "2000-2099" },
              "timeouts": { "udp": 2 }, "maxMappings": 16 }
            """))));
        var rng = new Random(seed);
        var port = new Dictionary<int, ushort>();
        var lastStep = new Dictionary<int, int>();
        for (int step = 0; step < 200; step++)
        {
            // A mapping touched at step k survives one sweep (udp timeout 2 sweeps): alive now if touched at step-1 or step.
            foreach (int flow in Enumerable.Range(0, 40).OrderBy(_ => rng.Next()).Take(6))
            {
                h.Push(Frames.Udp(src: $"10.0.{flow / 8}.{flow % 8 + 1}", dst: "8.8.8.8", sport: (ushort)(5000 + flow)));
                ushort got = SrcPort(output.Packets[^1].Bytes);
                if (lastStep.TryGetValue(flow, out int last) && last >= step - 1)
                    Assert.That(got, Is.EqualTo(port[flow]), $"flow {flow} at step {step} (last seen at step {last}) keeps its mapping");
                port[flow] = got;
                lastStep[flow] = step;
            }
            Assert.That(nf.Table.Active, Is.EqualTo(lastStep.Values.Count(s => s >= step - 1)), $"live mappings at step {step}");
            now += Stopwatch.Frequency;
            h.Poll();
        }
        Assert.That(nf.Table.Counters.Expired, Is.GreaterThan(100), "the table churned");
        Assert.That(h.InUseDelta, Is.Zero);
    }
}
