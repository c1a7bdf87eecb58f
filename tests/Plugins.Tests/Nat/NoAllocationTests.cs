using Switchboard.Plugins.Maglev;
using Switchboard.Plugins.Nat;
using Switchboard.Sdk;
using Switchboard.Sdk.Tests.Support;
using static Switchboard.Plugins.Tests.Nat.NatFrames;

namespace Switchboard.Plugins.Tests.Nat;

/// <summary>The per-packet paths allocate nothing once warm (new mappings and cache entries included).</summary>
public unsafe class NoAllocationTests
{
    [Test]
    public void Nat_TranslatesWithoutAllocating()
    {
        var h = new GraphHarness();
        new NatNf().Build(h.Input, h.NfContext("nat", Config("""{ "insideNets": ["10.0.0.0/8"], "snat": { "addresses": ["203.0.113.1"] } }"""))).Drop();
        byte[][] Traffic(int first) => Enumerable.Range(first, 256).SelectMany(i => new[]
        {
            Frames.Udp(src: $"10.0.{i / 200}.{i % 200 + 1}", dst: "8.8.8.8", sport: 5000, dport: 53),
            Frames.Tcp(src: $"10.0.{i / 200}.{i % 200 + 1}", dst: "8.8.8.8", sport: 6000, dport: 443),
            Echo($"10.0.{i / 200}.{i % 200 + 1}", "8.8.8.8", Icmp.EchoRequest, 9),
            Frames.Udp(src: "8.8.8.8", dst: "203.0.113.1", sport: 53, dport: (ushort)(5000 + i)),
        }).ToArray();
        Assert.That(h.AllocatedWhileRunning(Traffic(0), Traffic(1000), Traffic(2000), Traffic(3000)), Is.Zero, "2048 packets, new mappings included");
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void Maglev_BalancesWithoutAllocating()
    {
        var h = new GraphHarness();
        new MaglevNf().Build(h.Input, h.NfContext("lb", Config("""
            { "backends": { "a": { "mac": "02:00:00:00:00:01" }, "b": { "mac": "02:00:00:00:00:02" } } }
            """, "lb"))).Drop();
        byte[][] Traffic(int first) => Enumerable.Range(first, 512).Select(i => Frames.Tcp(src: $"198.18.{i / 250}.{i % 250 + 1}", dst: "192.0.2.1")).ToArray();
        Assert.That(h.AllocatedWhileRunning(Traffic(0), Traffic(5000), Traffic(6000), Traffic(7000)), Is.Zero, "1024 packets, new flows included");
        h.Poll(); // flush the group-by queues
        Assert.That(h.InUseDelta, Is.Zero);
    }
}
