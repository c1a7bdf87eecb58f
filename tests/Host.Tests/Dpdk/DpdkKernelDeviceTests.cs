using System.Diagnostics;
using Switchboard.Host.Config;
using Switchboard.Host.Ports.Dpdk;
using Switchboard.Host.Runtime;
using Switchboard.Host.Tests.Config;
using Switchboard.Host.Tests.Runtime;
using Switchboard.Host.Tests.Runtime.HotSwap;
using Switchboard.Sdk;

namespace Switchboard.Host.Tests.Dpdk;

/// <summary>
/// Deployments whose DPDK ports meet the kernel or another DPDK port: net_af_packet over a veth pair, net_tap read
/// back through net_af_packet on its interface, and a net_memif server/client pair in one process. Frames go out of
/// one port, cross the link and come back in through another, and must arrive byte for byte as the NF left them.
/// The kernel may add frames of its own on a fresh interface (IPv6 neighbour discovery), so only IPv4 is compared.
/// </summary>
public sealed class DpdkKernelDeviceTests
{
    private static string Eal => string.Join(", ", DpdkEnvironment.Eal.Select(a => $"\"{a}\""));

    [Test]
    public void AfPacket_OverAVethPair_CarriesEveryFrameThroughTheKernel()
    {
        using var veth = VethPair.Create("a");
        using var dir = new TempDir();
        CarryAcross(dir, $"net_af_packet30,iface={veth.First}", $"net_af_packet31,iface={veth.Second}", senderFirst: true);
    }

    /// <summary>net_af_packet itself reports its link up always; the port asks the kernel, so a down interface (or a veth
    /// whose peer is down) shows as down, in the status and to the start's link wait.</summary>
    [Test]
    public void AfPacketLink_FollowsTheKernelInterface()
    {
        using var veth = VethPair.Create("l");
        using var pool = new DpdkPool(1023, 0);
        using var port = new DpdkPort(new DpdkPortSpec("k", "$.ports.k") { Device = $"net_af_packet33,iface={veth.First}" }, 0, 1, pool);
        // The kernel changes carrier asynchronously: each state is waited for (SeqRig.WaitFor fails the test after 10 s).
        SeqRig.WaitFor(() => port.Link().Up, "the link up with both ends up", 10);
        VethPair.Ip($"link set {veth.Second} down");
        SeqRig.WaitFor(() => !port.Link().Up, "the link down with the peer down (no carrier)", 10);
        Assert.That(port.Status(), Does.Contain("link down"));
        VethPair.Ip($"link set {veth.Second} up");
        SeqRig.WaitFor(() => port.Link().Up, "the link up with the peer up again", 10);
        VethPair.Ip($"link set {veth.First} down");
        SeqRig.WaitFor(() => !port.Link().Up, "the link down with its own interface down", 10);
    }

    [Test]
    public void Tap_ReadBackThroughAfPacketOnItsInterface_CarriesEveryFrame()
    {
        string iface = $"sbtap{Environment.ProcessId % 10000}";
        using var dir = new TempDir();
        try
        {
            // net_tap makes the interface (and brings it up); net_af_packet then opens it, so the tap comes first.
            CarryAcross(dir, $"net_tap30,iface={iface}", $"net_af_packet32,iface={iface}", senderFirst: true);
        }
        finally
        {
            VethPair.Ip($"link del {iface}", mayFail: true); // gone with the tap device already, unless the test failed early
        }
    }

    [Test]
    public void MemifPair_InOneProcess_CarriesEveryFrame()
    {
        using var dir = new TempDir();
        string socket = Path.Combine(dir.Path, "memif.sock");
        // The server makes the socket, so it is built first; the client sends into the rings it owns.
        CarryAcross(dir, $"net_memif31,role=client,socket={socket},id=0", $"net_memif30,role=server,socket={socket},id=0", senderFirst: false);
    }

    [Test]
    public void MemifPair_CarriesFramesLargerThanAnMbuf_AsChains_WholeToAPort_DroppedAtAnNf()
    {
        using var dir = new TempDir();
        string socket = Path.Combine(dir.Path, "memif.sock"), socket2 = Path.Combine(dir.Path, "memif2.sock");
        var frames = RuntimeHarness.UdpFrames(10, 3000, 100, 9000, 500, 2100);
        var small = frames.Where(f => f.Length <= DpdkPool.DefaultDataRoom).ToList();
        RuntimeHarness.WritePcap(Path.Combine(dir.Path, "in.pcap"), frames);
        // net_pcap chains the large frames; a memif client sends each chain in several buffers and its server receives
        // it as a chain again (from the port's pool). Two pairs: from the first the chains go port to port and out
        // whole; from the second into the monitor, whose entry drops them (an NF would see only the first segment).
        var d = RuntimeHarness.Load($$"""
            { "cores": 1, "dpdk": { "eal": [{{Eal}}] },
              "ports": {
                "server": { "type": "dpdk", "device": "net_memif36,role=server,socket={{socket}},id=0" },
                "client": { "type": "dpdk", "device": "net_memif37,role=client,socket={{socket}},id=0" },
                "server2": { "type": "dpdk", "device": "net_memif38,role=server,socket={{socket2}},id=0" },
                "client2": { "type": "dpdk", "device": "net_memif39,role=client,socket={{socket2}},id=0" },
                "in": { "type": "dpdk", "device": "net_pcap33,rx_pcap=in.pcap" },
                "in2": { "type": "dpdk", "device": "net_pcap35,rx_pcap=in.pcap" },
                "out": { "type": "dpdk", "device": "net_pcap34,rx_pcap=in.pcap,tx_pcap=out.pcap" },
                "seen": { "type": "dpdk", "device": "net_pcap36,rx_pcap=in.pcap,tx_pcap=seen.pcap" } },
              "nfs": { "monitor": { "type": "monitor" } },
              "chains": [
                { "name": "to-link", "from": "in", "through": [], "to": "client" },
                { "name": "from-link", "from": "server", "through": [], "to": "out" },
                { "name": "to-link2", "from": "in2", "through": [], "to": "client2" },
                { "name": "monitored", "from": "server2", "through": ["monitor"], "to": "seen" } ] }
            """, dir.Path);
        var dp = Dataplane.Build(d, RuntimeHarness.Registry(), _ => { });
        var output = dp.Ports["out"];
        var seen = dp.Ports["seen"];
        var entry = dp.Nfs.Single(n => n.Name == "monitor").Entry;
        dp.Start(pinThreads: false);
        var clock = Stopwatch.StartNew();
        while ((output.Counters.TxPackets < frames.Count || entry.PacketsIn < frames.Count) && clock.Elapsed.TotalSeconds < 20)
            Thread.Sleep(5);
        dp.Stop();
        Assert.That(dp.Failures, Is.Empty);
        foreach (var (client, server) in new[] { ("client", "server"), ("client2", "server2") })
        {
            Assert.That(dp.Ports[client].Counters.TxPackets, Is.EqualTo(frames.Count), $"{client} took every frame, chains included");
            Assert.That(dp.Ports[server].Counters.RxPackets, Is.EqualTo(frames.Count), $"{server} received each frame once");
        }
        Assert.That(output.Counters.TxBytes, Is.EqualTo(frames.Sum(f => (long)f.Length)), "TX bytes count whole chains");
        Assert.That((entry.PacketsIn, entry.PacketsDropped), Is.EqualTo(((long)frames.Count, (long)(frames.Count - small.Count))),
            "the NF's entry drops the chains, counted");
        Assert.That(seen.Counters.TxPackets, Is.EqualTo(small.Count));
        dp.Dispose();
        Assert.That(dp.LeakedBuffers, Is.Zero, "every segment back in the pool");
        Assert.That(RuntimeHarness.ReadPcap(Path.Combine(dir.Path, "seen.pcap")), Is.EqualTo(small));
        Assert.That(RuntimeHarness.ReadPcap(Path.Combine(dir.Path, "out.pcap")), Is.EqualTo(frames), "memif carries chains whole, in order");
    }

    [Test]
    public void LinkDownAtStart_IsWaitedFor_Named_AndWhatItRefusesIsCountedNotLeaked()
    {
        using var dir = new TempDir();
        var frames = Frames(40);
        RuntimeHarness.WritePcap(Path.Combine(dir.Path, "in.pcap"), frames);
        // A memif server's link is up only once a client connects, and none will.
        var d = RuntimeHarness.Load($$"""
            { "cores": 1, "dpdk": { "eal": [{{Eal}}], "linkWaitSeconds": 0.3 },
              "ports": {
                "in": { "type": "pcap-in", "file": "in.pcap" },
                "lonely": { "type": "dpdk", "device": "net_memif32,role=server,socket={{Path.Combine(dir.Path, "lonely.sock")}},id=0" } },
              "nfs": { "ttl": { "type": "ttl" } },
              "chains": [ { "from": "in", "through": ["ttl"], "to": "lonely" } ] }
            """, dir.Path);
        var log = new List<string>();
        var dp = Dataplane.Build(d, RuntimeHarness.Registry(), log.Add);
        var clock = Stopwatch.StartNew();
        dp.Start(pinThreads: false); // waits for the link until linkWaitSeconds, then logs (asserted below)
        var port = (DpdkPort)dp.Ports["lonely"];
        while (port.Counters.TxPackets + port.Counters.TxDropped < frames.Count && clock.Elapsed.TotalSeconds < 20) Thread.Sleep(5);
        dp.Stop();
        Assert.That(dp.Failures, Is.Empty);
        Assert.That(log, Has.Some.Contains("link down after 0.3 s on 'lonely' (net_memif32"));
        Assert.That(port.Counters.TxPackets, Is.Zero);
        Assert.That(port.Counters.TxDropped, Is.EqualTo(frames.Count), "a device that is down refuses every frame; each is counted");
        dp.Dispose();
        Assert.That(dp.LeakedBuffers, Is.Zero, "and freed");
    }

    /// <summary>pcap → ttl → <paramref name="sender"/> ⇢ link ⇢ <paramref name="receiver"/> → monitor → pcap; the IPv4 frames
    /// out must be the input with TTL applied (what a managed pcap → ttl → pcap run writes), in order.</summary>
    private static void CarryAcross(TempDir dir, string sender, string receiver, bool senderFirst)
    {
        var frames = Frames(300);
        RuntimeHarness.WritePcap(Path.Combine(dir.Path, "in.pcap"), frames);
        string tx = $"\"tx\": {{ \"type\": \"dpdk\", \"device\": \"{sender}\" }}";
        string rx = $"\"rx\": {{ \"type\": \"dpdk\", \"device\": \"{receiver}\" }}";
        var d = RuntimeHarness.Load($$"""
            { "cores": 1, "dpdk": { "eal": [{{Eal}}] },
              "ports": {
                "in": { "type": "pcap-in", "file": "in.pcap" },
                {{(senderFirst ? tx : rx)}}, {{(senderFirst ? rx : tx)}},
                "out": { "type": "pcap-out", "file": "out.pcap" } },
              "nfs": { "ttl": { "type": "ttl" }, "monitor": { "type": "monitor" } },
              "chains": [
                { "name": "out-to-link", "from": "in", "through": ["ttl"], "to": "tx" },
                { "name": "in-from-link", "from": "rx", "through": ["monitor"], "to": "out" } ] }
            """, dir.Path);
        var dp = Dataplane.Build(d, RuntimeHarness.Registry(), _ => { });
        var txPort = (DpdkPort)dp.Ports["tx"];
        var rxPort = (DpdkPort)dp.Ports["rx"];
        var output = dp.Ports["out"];
        dp.Start(pinThreads: false);
        var clock = Stopwatch.StartNew();
        while (output.Counters.TxPackets < frames.Count && clock.Elapsed.TotalSeconds < 20) Thread.Sleep(5);
        dp.Stop();
        Assert.That(dp.Failures, Is.Empty);
        Assert.That(txPort.Counters.TxPackets, Is.EqualTo(frames.Count), $"{txPort.Info.Driver} took every frame");
        Assert.That(txPort.Counters.TxDropped, Is.Zero);
        Assert.That(rxPort.Counters.RxPackets, Is.GreaterThanOrEqualTo(frames.Count), $"{rxPort.Info.Driver} received every frame");
        dp.Dispose();
        Assert.That(dp.LeakedBuffers, Is.Zero);

        var expected = RuntimeHarness.Load("""
            { "cores": 1,
              "ports": { "in": { "type": "pcap-in", "file": "in.pcap" }, "out": { "type": "pcap-out", "file": "expected.pcap" } },
              "nfs": { "ttl": { "type": "ttl" } },
              "chains": [ { "from": "in", "through": ["ttl"], "to": "out" } ] }
            """, dir.Path);
        using (RuntimeHarness.RunToCompletion(expected)) { }
        static List<string> Ipv4Only(List<byte[]> f) => f.Where(b => b.Length > 14 && b[12] == 0x08 && b[13] == 0x00).Select(Convert.ToHexString).ToList();
        var got = Ipv4Only(RuntimeHarness.ReadPcap(Path.Combine(dir.Path, "out.pcap")));
        Assert.That(got, Has.Count.EqualTo(frames.Count));
        Assert.That(got, Is.EqualTo(Ipv4Only(RuntimeHarness.ReadPcap(Path.Combine(dir.Path, "expected.pcap")))));
    }

    /// <summary>UDP and TCP frames of several flows and sizes (60 bytes and up, as a wire carries them).</summary>
    private static List<byte[]> Frames(int count) => Enumerable.Range(0, count).Select(i =>
    {
        var buf = new byte[256];
        int n = i % 2 == 0
            ? FrameBuilder.Ipv4Udp(buf, Ipv4.Address("10.1.0.1") + (uint)(i % 97), Ipv4.Address("10.2.0.1"), (ushort)(1000 + i % 89), 53, new byte[18 + i % 50])
            : FrameBuilder.Ipv4Tcp(buf, Ipv4.Address("10.1.0.1"), Ipv4.Address("10.2.0.1") + (uint)(i % 83), (ushort)(4000 + i % 7), 80, (uint)i, 0, Tcp.Ack, new byte[6 + i % 90]);
        return buf[..n];
    }).ToList();
}

/// <summary>A veth pair made for one test with Debian's iproute2 (both ends up, IPv6 off so the kernel stays quiet)
/// and deleted afterwards.</summary>
internal sealed class VethPair : IDisposable
{
    public string First { get; }
    public string Second { get; }

    private VethPair(string first, string second) => (First, Second) = (first, second);

    public static VethPair Create(string tag)
    {
        string stem = $"sbv{tag}{Environment.ProcessId % 10000}";
        var pair = new VethPair(stem + "x", stem + "y");
        Ip($"link del {pair.First}", mayFail: true); // left over by a killed run
        Ip($"link add {pair.First} type veth peer name {pair.Second}");
        foreach (var end in new[] { pair.First, pair.Second })
        {
            File.WriteAllText($"/proc/sys/net/ipv6/conf/{end}/disable_ipv6", "1");
            Ip($"link set {end} up");
        }
        return pair;
    }

    public void Dispose() => Ip($"link del {First}", mayFail: true);

    public static void Ip(string args, bool mayFail = false)
    {
        var ip = Process.Start(new ProcessStartInfo("ip", args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        string error = ip.StandardError.ReadToEnd();
        ip.WaitForExit();
        if (ip.ExitCode != 0 && !mayFail) Assert.Fail($"ip {args} failed ({ip.ExitCode}): {error} (needs iproute2 and root)");
    }
}
