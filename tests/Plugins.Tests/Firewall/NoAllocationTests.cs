using System.Text.Json;
using Switchboard.Plugins.Firewall;
using Switchboard.Plugins.Lpm;
using Switchboard.Sdk;
using Switchboard.Sdk.Tests.Support;

namespace Switchboard.Plugins.Tests.Firewall;

/// <summary>The firewall's and the router's per-packet paths allocate nothing once warm (new connections included).</summary>
public unsafe class NoAllocationTests
{
    private static NfConfig Config(string json, string name) => new(JsonDocument.Parse(json).RootElement.Clone(), $"$.nfs.{name}.config");

    [Test]
    public void Firewall_DecidesWithoutAllocating()
    {
        var h = new GraphHarness();
        new FirewallNf().Build(h.Input, h.NfContext("fw", Config("""
            {"rules": ["accept state established,related", "drop tcp to any port 22", "accept tcp from 10.0.0.0/8 to any port 80,443 state new",
                       "accept udp from 10.0.0.0/8", "accept icmp from 10.0.0.0/8"]}
            """, "fw"))).Drop();
        byte[][] Traffic(int first) => Enumerable.Range(first, 256).SelectMany(i =>
        {
            string inside = $"10.0.{i / 200}.{i % 200 + 1}";
            var buf = new byte[128];
            int n = FrameBuilder.Ipv4IcmpEcho(buf, Ipv4.Address(inside), Ipv4.Address("8.8.8.8"), Icmp.EchoRequest, (ushort)i, 1, [1]);
            return new[]
            {
                Frames.Tcp(inside, "192.0.2.1", 40000, 443, flags: Sdk.Tcp.Syn),
                Frames.Tcp("192.0.2.1", inside, 443, 40000, flags: Sdk.Tcp.Syn | Sdk.Tcp.Ack),
                Frames.Tcp(inside, "192.0.2.1", 40001, 22, flags: Sdk.Tcp.Syn),
                Frames.Udp(inside, "8.8.8.8", 5000, 53),
                Frames.Udp("8.8.8.8", inside, 53, 5000),
                buf[..n],
            };
        }).ToArray();
        Assert.That(h.AllocatedWhileRunning(Traffic(0), Traffic(1000), Traffic(2000), Traffic(3000)), Is.Zero, "3072 packets, new connections included");
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void Lpm_RoutesWithoutAllocating()
    {
        var h = new GraphHarness();
        new LpmNf().Build(h.Input, h.NfContext("router", Config("""
            {"routes": [{"prefix": "10.0.0.0/8", "nextHop": 1}, {"prefix": "10.1.2.128/25", "nextHop": 2}], "default": 0}
            """, "router"))).Drop();
        byte[][] Traffic(int first) => Enumerable.Range(first, 512).Select(i => Frames.Udp(dst: $"10.1.{i % 4}.{i % 250 + 1}")).ToArray();
        Assert.That(h.AllocatedWhileRunning(Traffic(0), Traffic(100), Traffic(200), Traffic(300)), Is.Zero);
        Assert.That(h.InUseDelta, Is.Zero);
    }
}
