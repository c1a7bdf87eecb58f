using System.Buffers.Binary;

namespace Switchboard.Sdk;

/// <summary>
/// Writes well-formed frames (Ethernet + IPv4/IPv6 + TCP/UDP/ICMP) with correct lengths and checksums
/// into a span. Used by the traffic generator, by packetize and by tests; NFs may use it to emit
/// replies. Returns the frame length, or throws if <c>dest</c> is too small.
/// </summary>
public static class FrameBuilder
{
    public static readonly MacAddress DefaultSource = MacAddress.Parse("02:00:00:00:00:01");
    public static readonly MacAddress DefaultDestination = MacAddress.Parse("02:00:00:00:00:02");

    /// <summary>An IPv4 TCP segment in Ethernet. <paramref name="frameSize"/> pads the payload (zeros) to reach that size when larger.</summary>
    public static int Ipv4Tcp(Span<byte> dest, uint src, uint dst, ushort sport, ushort dport, uint seq, uint ack, byte flags,
        ReadOnlySpan<byte> payload, int frameSize = 0, byte ttl = 64, ushort window = 65535)
    {
        int payloadLen = Math.Max(payload.Length, frameSize - Ethernet.Size - Ipv4.MinSize - Tcp.MinSize);
        int ipLen = Ipv4.MinSize + Tcp.MinSize + payloadLen;
        var l4 = WriteEthIpv4(dest, src, dst, Ipv4.ProtoTcp, ipLen, ttl);
        l4[..(Tcp.MinSize + payloadLen)].Clear();
        BinaryPrimitives.WriteUInt16BigEndian(l4, sport);
        BinaryPrimitives.WriteUInt16BigEndian(l4[2..], dport);
        BinaryPrimitives.WriteUInt32BigEndian(l4[4..], seq);
        BinaryPrimitives.WriteUInt32BigEndian(l4[8..], ack);
        l4[12] = (Tcp.MinSize / 4) << 4;
        l4[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(l4[14..], window);
        payload.CopyTo(l4[Tcp.MinSize..]);
        int segLen = Tcp.MinSize + payloadLen;
        ushort cs = Checksum.Fold(Checksum.Sum(l4[..segLen], Checksum.PseudoHeaderV4(src, dst, Ipv4.ProtoTcp, segLen)));
        BinaryPrimitives.WriteUInt16BigEndian(l4[16..], cs);
        return Ethernet.Size + ipLen;
    }

    /// <summary>An IPv4 UDP datagram in Ethernet.</summary>
    public static int Ipv4Udp(Span<byte> dest, uint src, uint dst, ushort sport, ushort dport, ReadOnlySpan<byte> payload, int frameSize = 0, byte ttl = 64)
    {
        int payloadLen = Math.Max(payload.Length, frameSize - Ethernet.Size - Ipv4.MinSize - Udp.Size);
        int udpLen = Udp.Size + payloadLen;
        var l4 = WriteEthIpv4(dest, src, dst, Ipv4.ProtoUdp, Ipv4.MinSize + udpLen, ttl);
        l4[..udpLen].Clear();
        BinaryPrimitives.WriteUInt16BigEndian(l4, sport);
        BinaryPrimitives.WriteUInt16BigEndian(l4[2..], dport);
        BinaryPrimitives.WriteUInt16BigEndian(l4[4..], (ushort)udpLen);
        payload.CopyTo(l4[Udp.Size..]);
        ushort cs = Checksum.Fold(Checksum.Sum(l4[..udpLen], Checksum.PseudoHeaderV4(src, dst, Ipv4.ProtoUdp, udpLen)));
        BinaryPrimitives.WriteUInt16BigEndian(l4[6..], cs == 0 ? (ushort)0xFFFF : cs);
        return Ethernet.Size + Ipv4.MinSize + udpLen;
    }

    /// <summary>An ICMP echo request/reply in IPv4 in Ethernet.</summary>
    public static int Ipv4IcmpEcho(Span<byte> dest, uint src, uint dst, byte type, ushort id, ushort seq, ReadOnlySpan<byte> payload, byte ttl = 64)
    {
        int icmpLen = Icmp.Size + payload.Length;
        var l4 = WriteEthIpv4(dest, src, dst, Ipv4.ProtoIcmp, Ipv4.MinSize + icmpLen, ttl);
        l4[..icmpLen].Clear();
        l4[0] = type;
        BinaryPrimitives.WriteUInt16BigEndian(l4[4..], id);
        BinaryPrimitives.WriteUInt16BigEndian(l4[6..], seq);
        payload.CopyTo(l4[Icmp.Size..]);
        BinaryPrimitives.WriteUInt16BigEndian(l4[2..], Checksum.Compute(l4[..icmpLen]));
        return Ethernet.Size + Ipv4.MinSize + icmpLen;
    }

    /// <summary>An IPv6 UDP datagram in Ethernet.</summary>
    public static int Ipv6Udp(Span<byte> dest, Ipv6Address src, Ipv6Address dst, ushort sport, ushort dport, ReadOnlySpan<byte> payload, byte hopLimit = 64)
    {
        int udpLen = Udp.Size + payload.Length;
        WriteEthernet(dest, Ethernet.TypeIpv6);
        var ip = dest[Ethernet.Size..];
        ip[..Ipv6.Size].Clear();
        BinaryPrimitives.WriteUInt32BigEndian(ip, 6u << 28);
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)udpLen);
        ip[6] = Ipv4.ProtoUdp;
        ip[7] = hopLimit;
        BinaryPrimitives.WriteUInt64BigEndian(ip[8..], src.High);
        BinaryPrimitives.WriteUInt64BigEndian(ip[16..], src.Low);
        BinaryPrimitives.WriteUInt64BigEndian(ip[24..], dst.High);
        BinaryPrimitives.WriteUInt64BigEndian(ip[32..], dst.Low);
        var l4 = ip[Ipv6.Size..];
        l4[..udpLen].Clear();
        BinaryPrimitives.WriteUInt16BigEndian(l4, sport);
        BinaryPrimitives.WriteUInt16BigEndian(l4[2..], dport);
        BinaryPrimitives.WriteUInt16BigEndian(l4[4..], (ushort)udpLen);
        payload.CopyTo(l4[Udp.Size..]);
        ushort cs = Checksum.Fold(Checksum.Sum(l4[..udpLen], Checksum.PseudoHeaderV6(src, dst, Ipv4.ProtoUdp, udpLen)));
        BinaryPrimitives.WriteUInt16BigEndian(l4[6..], cs == 0 ? (ushort)0xFFFF : cs);
        return Ethernet.Size + Ipv6.Size + udpLen;
    }

    /// <summary>Write the Ethernet header; returns the rest of the span.</summary>
    public static Span<byte> WriteEthernet(Span<byte> dest, ushort etherType, MacAddress? dst = null, MacAddress? src = null)
    {
        var d = dst ?? DefaultDestination;
        var s = src ?? DefaultSource;
        System.Runtime.InteropServices.MemoryMarshal.Write(dest, in d);
        System.Runtime.InteropServices.MemoryMarshal.Write(dest[6..], in s);
        BinaryPrimitives.WriteUInt16BigEndian(dest[12..], etherType);
        return dest[Ethernet.Size..];
    }

    /// <summary>Write Ethernet + a 20-byte IPv4 header with its checksum; returns the span after the IP header.</summary>
    public static Span<byte> WriteEthIpv4(Span<byte> dest, uint src, uint dst, byte protocol, int ipTotalLength, byte ttl = 64, ushort id = 0)
    {
        if (dest.Length < Ethernet.Size + ipTotalLength) throw new ArgumentException($"Buffer of {dest.Length} bytes is too small for a {Ethernet.Size + ipTotalLength}-byte frame.");
        var ip = WriteEthernet(dest, Ethernet.TypeIpv4);
        ip[..Ipv4.MinSize].Clear();
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)ipTotalLength);
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], id);
        ip[8] = ttl;
        ip[9] = protocol;
        BinaryPrimitives.WriteUInt32BigEndian(ip[12..], src);
        BinaryPrimitives.WriteUInt32BigEndian(ip[16..], dst);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum.Compute(ip[..Ipv4.MinSize]));
        return ip[Ipv4.MinSize..];
    }
}
