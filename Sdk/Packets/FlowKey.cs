using System.Runtime.CompilerServices;

namespace Switchboard.Sdk;

/// <summary>
/// A 5-tuple (addresses, ports, protocol). IPv4 addresses are held as IPv4-mapped IPv6 values so one
/// type covers both families. Ports are 0 for protocols without them (ICMP uses the echo id as source port).
/// </summary>
public readonly record struct FlowKey(ulong SourceHigh, ulong SourceLow, ulong DestinationHigh, ulong DestinationLow,
    ushort SourcePort, ushort DestinationPort, byte Protocol)
{
    private const ulong V4Mapped = 0x0000_FFFF_0000_0000UL;

    public static FlowKey Ipv4(uint source, uint destination, ushort sourcePort, ushort destinationPort, byte protocol) =>
        new(0, V4Mapped | source, 0, V4Mapped | destination, sourcePort, destinationPort, protocol);

    public bool IsIpv4 => SourceHigh == 0 && (SourceLow & 0xFFFF_FFFF_0000_0000UL) == V4Mapped;
    public uint SourceIpv4 => (uint)SourceLow;
    public uint DestinationIpv4 => (uint)DestinationLow;

    /// <summary>The key of the reverse direction (replies).</summary>
    public FlowKey Reverse() => new(DestinationHigh, DestinationLow, SourceHigh, SourceLow, DestinationPort, SourcePort, Protocol);

    /// <summary>A well-mixed 32-bit hash (same value on every core and run).</summary>
    public uint Hash()
    {
        ulong h = Mix(SourceHigh ^ Mix(SourceLow ^ Mix(DestinationHigh ^ Mix(DestinationLow))));
        h ^= ((ulong)SourcePort << 24) | ((ulong)DestinationPort << 8) | Protocol;
        return (uint)(Mix(h) >> 32);
    }

    /// <summary>A hash equal for both directions of a connection.</summary>
    public uint SymmetricHash()
    {
        var rev = Reverse();
        return Hash() ^ rev.Hash();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong x)
    {
        // splitmix64 finaliser: cheap and passes avalanche tests.
        x ^= x >> 30; x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 27; x *= 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    /// <summary>The flow key of a packet with an IP header parsed (ports read when TCP/UDP/ICMP is present in the datagram).</summary>
    public static bool TryGet(Packet packet, out FlowKey key)
    {
        if (packet.Has(HeaderKind.Ipv4))
        {
            ref var ip = ref packet.Ipv4;
            ReadPorts(packet, packet.OffsetOf(HeaderKind.Ipv4) + ip.HeaderLength, out var sp, out var dp);
            key = Ipv4(ip.Source, ip.Destination, sp, dp, packet.IpProtocol);
            return true;
        }
        if (packet.Has(HeaderKind.Ipv6))
        {
            ref var ip = ref packet.Ipv6;
            ReadPorts(packet, packet.OffsetOf(HeaderKind.Ipv6) + packet.HeaderBytes(HeaderKind.Ipv6).Length, out var sp, out var dp);
            key = new FlowKey(ip.Source.High, ip.Source.Low, ip.Destination.High, ip.Destination.Low, sp, dp, packet.IpProtocol);
            return true;
        }
        key = default;
        return false;
    }

    /// <summary>Hash of the packet's flow; 0 when it has no parsed IP header. Cached on the packet.</summary>
    public static uint HashOf(Packet packet)
    {
        uint cached = packet.FlowHash;
        if (cached != 0) return cached;
        if (!TryGet(packet, out var key)) return 0;
        // Never 0, so 0 can mean "not computed". Only the one value is remapped: forcing a bit (h | 1)
        // would make every hash odd, and shuffle/group-by take the core from the low bits.
        uint h = key.Hash();
        if (h == 0) h = 0x9E3779B9;
        packet.FlowHash = h;
        return h;
    }

    private static void ReadPorts(Packet packet, int l4, out ushort src, out ushort dst)
    {
        src = dst = 0;
        if (packet.IsFragment && packet.Has(HeaderKind.Ipv4) && packet.Ipv4.FragmentOffset != 0) return;
        var data = packet.Data;
        byte proto = packet.IpProtocol;
        if (proto is Sdk.Ipv4.ProtoTcp or Sdk.Ipv4.ProtoUdp && data.Length >= l4 + 4)
        {
            src = (ushort)(data[l4] << 8 | data[l4 + 1]);
            dst = (ushort)(data[l4 + 2] << 8 | data[l4 + 3]);
        }
        else if (proto is Sdk.Ipv4.ProtoIcmp or Sdk.Ipv4.ProtoIcmpv6 && data.Length >= l4 + 6)
        {
            src = (ushort)(data[l4 + 4] << 8 | data[l4 + 5]);
        }
    }

    public override string ToString() => IsIpv4
        ? $"{Sdk.Ipv4.Format(SourceIpv4)}:{SourcePort} -> {Sdk.Ipv4.Format(DestinationIpv4)}:{DestinationPort} proto {Protocol}"
        : $"[{SourceHigh:x16}{SourceLow:x16}]:{SourcePort} -> [{DestinationHigh:x16}{DestinationLow:x16}]:{DestinationPort} proto {Protocol}";
}
