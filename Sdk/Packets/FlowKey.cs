using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Switchboard.Sdk;

/// <summary>
/// A 5-tuple (addresses, ports, protocol). IPv4 addresses are held as IPv4-mapped IPv6 values so one
/// type covers both families. Ports are 0 for protocols without them (ICMP echo uses the echo id for both).
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

    /// <summary>
    /// A cheaper hash for a per-core hash table keyed by flows (e.g. <see cref="State.FlowTable{TValue}"/>): half a
    /// splitmix64 round (one xor-shift, one multiply) over the folded key (<see cref="Hash"/> runs five full rounds in
    /// a chain, ~40 cycles of latency per packet).
    /// Stable, but not interchangeable with <see cref="Hash"/>: use <see cref="Hash"/> wherever the value must agree with
    /// other components (shuffles, Maglev positions), and one of the two consistently for a given table.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint TableHash() => TableHashOf(SourceHigh, SourceLow, DestinationHigh, DestinationLow, SourcePort, DestinationPort, Protocol);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint TableHashOf(ulong sourceHigh, ulong sourceLow, ulong destinationHigh, ulong destinationLow,
        ushort sourcePort, ushort destinationPort, byte protocol)
    {
        // Low words: for IPv4 (src, dst) fold injectively into one word (the destination rotated by 32).
        ulong a = sourceLow ^ BitOperations.RotateLeft(destinationLow, 32)
            ^ (sourceHigh ^ BitOperations.RotateLeft(destinationHigh, 17)) * 0xC2B2AE3D27D4EB4FUL; // IPv6: the high words too
        ulong b = (ulong)protocol << 32 | (uint)sourcePort << 16 | destinationPort;
        // Half a splitmix round: fold the high half down, one multiply, the product's high half. A table's slot is
        // the result's low bits (the product's bits 32 and up), which the fold makes depend on every bit of the key.
        ulong h = a ^ (b * 0x9E3779B97F4A7C15UL);
        h ^= h >> 29;
        return (uint)((h * 0xBF58476D1CE4E5B9UL) >> 32);
    }

    /// <summary>A hash equal for both directions of a connection: the hash of whichever direction has the
    /// smaller (address, port) endpoint as its source. Stable across cores and runs.</summary>
    public uint SymmetricHash()
    {
        bool ordered = SourceHigh != DestinationHigh ? SourceHigh < DestinationHigh
            : SourceLow != DestinationLow ? SourceLow < DestinationLow
            : SourcePort <= DestinationPort;
        return ordered ? Hash() : Reverse().Hash();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mix(ulong x)
    {
        // splitmix64 finaliser: cheap and passes avalanche tests.
        x ^= x >> 30; x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 27; x *= 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    /// <summary>
    /// The flow key of a packet with an IP header parsed, from the innermost (top-most) IP header. Ports
    /// are read from TCP/UDP when the datagram holds them, parsed or not; ICMP / ICMPv6 echo requests and
    /// replies use the echo identifier as both ports (so <see cref="Reverse"/> of a request is its reply's
    /// key); other protocols and all IP fragments get ports 0, so every fragment of a datagram has the same key.
    /// </summary>
    public static bool TryGet(Packet packet, out FlowKey key) => TryGet(packet, out key, out _);

    /// <summary><see cref="TryGet(Packet, out FlowKey)"/> and the key's <see cref="TableHash()"/>, computed from the
    /// header words as they are read (for an IPv4 key not read back from the key just stored, which puts a store
    /// forward on the way to the table's slot); 0 when there is no key.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe bool TryGet(Packet packet, out FlowKey key, out uint tableHash)
    {
        ref var h = ref packet.Desc->Headers;
        int v4 = h.ByKind[(int)HeaderKind.Ipv4];
        if (v4 != PacketDesc.Absent && h.ByKind[(int)HeaderKind.Ipv6] == PacketDesc.Absent)
        {
            // Only IPv4 parsed (the usual case): the top-most IP header is the last IPv4 pushed, found through the
            // per-kind index without walking the stack; its length is its IHL, as the parser pushed it.
            byte* ip4 = packet.Desc->Data + v4;
            uint ports4 = ReadPorts(packet, v4 + (ip4[0] & 0xF) * 4);
            ushort sp4 = (ushort)(ports4 >> 16), dp4 = (ushort)ports4;
            ulong both4 = BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ulong>(ip4 + 12));
            ulong src4 = V4Mapped | (uint)(both4 >> 32), dst4 = V4Mapped | (uint)both4;
            byte proto4 = h.IpProtocol;
            key = new FlowKey(0, src4, 0, dst4, sp4, dp4, proto4);
            tableHash = TableHashOf(0, src4, 0, dst4, sp4, dp4, proto4);
            return true;
        }
        int i = h.Depth - 1;
        while (i >= 0 && h.Kinds[i] is not ((byte)HeaderKind.Ipv4 or (byte)HeaderKind.Ipv6)) i--;
        if (i < 0)
        {
            key = default;
            tableHash = 0;
            return false;
        }
        byte* ip = packet.Desc->Data + h.Offsets[i];
        int l4 = h.Offsets[i] + h.Lengths[i];
        uint ports = ReadPorts(packet, l4);
        ushort sp = (ushort)(ports >> 16), dp = (ushort)ports;
        if (h.Kinds[i] == (byte)HeaderKind.Ipv4)
        {
            // Source and destination are adjacent: one 8-byte load, byte-swapped (the high half is the source).
            ulong both = BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ulong>(ip + 12));
            key = Ipv4((uint)(both >> 32), (uint)both, sp, dp, h.IpProtocol);
        }
        else
        {
            ref var v6 = ref Unsafe.AsRef<Sdk.Ipv6>(ip);
            key = new FlowKey(v6.Source.High, v6.Source.Low, v6.Destination.High, v6.Destination.Low, sp, dp, h.IpProtocol);
        }
        tableHash = key.TableHash();
        return true;
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

    /// <summary>Ports of the top-most IP header's payload at <paramref name="l4"/>, read only inside its datagram: the source in
    /// the high half, the destination in the low (an ICMP echo's identifier in both), 0 when there are none. Returned as one
    /// value, not as out parameters, which would keep them in memory.</summary>
    private static unsafe uint ReadPorts(Packet packet, int l4)
    {
        ref var h = ref packet.Desc->Headers;
        if (h.Fragment) return 0;
        int end = h.PayloadEnd(packet.Length);
        byte* p = packet.Desc->Data;
        byte proto = h.IpProtocol;
        if (proto is Sdk.Ipv4.ProtoTcp or Sdk.Ipv4.ProtoUdp && end - l4 >= 4)
            return BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<uint>(p + l4)); // one load for both
        if (proto is Sdk.Ipv4.ProtoIcmp or Sdk.Ipv4.ProtoIcmpv6 && end - l4 >= 6 && IsEcho(proto, p[l4]))
        {
            uint id = BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ushort>(p + l4 + 4));
            return id << 16 | id;
        }
        return 0;
    }

    private static bool IsEcho(byte proto, byte type) => proto == Sdk.Ipv4.ProtoIcmp
        ? type is Icmp.EchoRequest or Icmp.EchoReply
        : type is Icmp.V6EchoRequest or Icmp.V6EchoReply;

    public override string ToString() => IsIpv4
        ? $"{Sdk.Ipv4.Format(SourceIpv4)}:{SourcePort} -> {Sdk.Ipv4.Format(DestinationIpv4)}:{DestinationPort} proto {Protocol}"
        : $"[{Ipv6Address.FromHalves(SourceHigh, SourceLow)}]:{SourcePort} -> [{Ipv6Address.FromHalves(DestinationHigh, DestinationLow)}]:{DestinationPort} proto {Protocol}";
}
