using Switchboard.Sdk;

namespace Switchboard.Host.Tests.Dpdk;

/// <summary>Frames beyond the bench traffic on which the C twins, their C# ports and the C# NFs must agree.</summary>
internal static class TwinFrames
{
    private static byte[] Udp(uint src, ushort sport, byte ttl = 64)
    {
        var frame = new byte[64];
        int n = FrameBuilder.Ipv4Udp(frame, src, Ipv4.Address("198.51.100.1"), sport, 53, [], frameSize: 64, ttl: ttl);
        return frame[..n];
    }

    private static byte[] Tagged(byte[] f, params ushort[] tpids) =>
        [.. f[..12], .. tpids.SelectMany(t => new byte[] { (byte)(t >> 8), (byte)t, 0, 7 }), .. f[12..]];

    /// <summary>For TTL: TTL 64, 1 and 0, one and two VLAN tags, three (refused), ARP, an IPv4 header cut short, TTL 2.
    /// The C# NF keeps four of them (lengths 64, 68, 72, 64), each decremented.</summary>
    public static List<byte[]> TtlEdges()
    {
        uint a = Ipv4.Address("10.0.0.1");
        byte[] arp = Udp(a, 1000);
        arp[12] = 0x08; arp[13] = 0x06;
        return [Udp(a, 1000), Udp(a, 1000, ttl: 1), Udp(a, 1000, ttl: 0), Tagged(Udp(a, 1000, 9), 0x8100),
            Tagged(Udp(a, 1000, 9), 0x88A8, 0x8100), Tagged(Udp(a, 1000, 9), 0x8100, 0x8100, 0x8100), arp, Udp(a, 1000)[..30],
            Udp(a, 1000, ttl: 2)];
    }

    /// <summary>For NAT (ports 1024-65535, 64 512 per protocol): 64 600 new UDP flows from inside, all from source port
    /// 5000 (the first keeps it, the rest take the rotating cursor's), so the last 88 find no port; then those 88 again,
    /// which must be refused again, not sent with another flow's port.</summary>
    public static List<byte[]> NatPortExhaustion()
    {
        const int flows = 64_600, ports = 65535 - 1024 + 1;
        uint first = Ipv4.Address("10.1.0.0");
        var frames = new List<byte[]>(flows + flows - ports);
        for (int f = 0; f < flows; f++) frames.Add(Udp(first + (uint)f, 5000));
        for (int f = ports; f < flows; f++) frames.Add(Udp(first + (uint)f, 5000));
        return frames;
    }
}
