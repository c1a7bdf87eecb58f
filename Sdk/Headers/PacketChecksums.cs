using System.Buffers.Binary;

namespace Switchboard.Sdk;

/// <summary>
/// Full checksum computation and verification for a parsed <see cref="Packet"/>: the IPv4 header
/// checksum, and the TCP / UDP / ICMP / ICMPv6 checksum with the IPv4 or IPv6 pseudo-header (RFC 793,
/// RFC 768, RFC 792, RFC 8200 §8.1). Transport methods use the top-most transport header and the IP
/// header below it; they cover the bytes up to the IP datagram's end (so Ethernet padding is excluded).
/// For per-field changes prefer the O(1) <see cref="Checksum.Update(ushort, ushort, ushort)"/>.
/// </summary>
/// <remarks>IPv6 routing headers are not consulted for the final destination of the pseudo-header.</remarks>
public static class PacketChecksums
{
    /// <summary>The IPv4 header checksum the header should carry (its options included). Needs IPv4 parsed.</summary>
    public static ushort ComputeIpv4HeaderChecksum(this Packet packet)
    {
        var h = packet.HeaderBytes(HeaderKind.Ipv4);
        return Checksum.Fold(Checksum.Sum(h[12..], Checksum.Sum(h[..10])));
    }

    /// <summary>Whether the IPv4 header checksum is correct. Needs IPv4 parsed.</summary>
    public static bool IsIpv4HeaderChecksumValid(this Packet packet) =>
        Checksum.Fold(Checksum.Sum(packet.HeaderBytes(HeaderKind.Ipv4))) == 0;

    /// <summary>Recompute and store the IPv4 header checksum. Needs IPv4 parsed.</summary>
    public static void RecomputeIpv4HeaderChecksum(this Packet packet) => packet.Ipv4.Checksum = packet.ComputeIpv4HeaderChecksum();

    /// <summary>
    /// The checksum the top-most transport header should carry. False when no TCP/UDP/ICMP/ICMPv6 header is
    /// parsed or the packet is an IP fragment (the checksum covers the whole datagram).
    /// </summary>
    public static bool TryComputeTransportChecksum(this Packet packet, out ushort checksum)
    {
        checksum = 0;
        if (!Locate(packet, out var seg, out int csOff, out uint pseudo, out var kind)) return false;
        uint sum = Checksum.Sum(seg[(csOff + 2)..], Checksum.Sum(seg[..csOff], pseudo));
        checksum = Checksum.Fold(sum);
        if (kind == HeaderKind.Udp && checksum == 0) checksum = 0xFFFF; // 0 means "no checksum" in UDP
        return true;
    }

    /// <summary>
    /// Whether the top-most transport header's checksum is correct. A zero UDP checksum over IPv4 means
    /// "not computed" and is valid; over IPv6 it is invalid. False when it cannot be verified (see
    /// <see cref="TryComputeTransportChecksum"/>).
    /// </summary>
    public static bool IsTransportChecksumValid(this Packet packet)
    {
        if (!Locate(packet, out var seg, out int csOff, out uint pseudo, out var kind)) return false;
        if (kind == HeaderKind.Udp && BinaryPrimitives.ReadUInt16BigEndian(seg[csOff..]) == 0)
            return !packet.IpBelowIsV6(kind);
        return Checksum.Fold(Checksum.Sum(seg, pseudo)) == 0;
    }

    /// <summary>Recompute and store the top-most transport checksum; false when it cannot be computed.</summary>
    public static bool TryRecomputeTransportChecksum(this Packet packet)
    {
        if (!packet.TryComputeTransportChecksum(out var cs)) return false;
        Locate(packet, out var seg, out int csOff, out _, out _);
        BinaryPrimitives.WriteUInt16BigEndian(seg[csOff..], cs);
        return true;
    }

    /// <summary>Find the transport segment, its checksum field and the pseudo-header sum.</summary>
    private static unsafe bool Locate(Packet packet, out Span<byte> segment, out int checksumOffset, out uint pseudo, out HeaderKind kind)
    {
        segment = default; checksumOffset = 0; pseudo = 0; kind = HeaderKind.None;
        ref var h = ref packet.Desc->Headers;
        if (h.Fragment) return false;
        int l4 = -1;
        for (int i = h.Depth - 1; i >= 0 && l4 < 0; i--)
            if ((HeaderKind)h.Kinds[i] is HeaderKind.Tcp or HeaderKind.Udp or HeaderKind.Icmp or HeaderKind.Icmpv6) l4 = i;
        if (l4 <= 0) return false;
        var ipKind = (HeaderKind)h.Kinds[l4 - 1]; // transport headers are only pushed right on top of IP
        if (ipKind is not (HeaderKind.Ipv4 or HeaderKind.Ipv6)) return false;
        kind = (HeaderKind)h.Kinds[l4];
        int off = h.Offsets[l4];
        int end = h.PayloadEnd(packet.Length);
        if (l4 != h.Depth - 1) end = HeaderParser.EndOf(packet.Desc, l4 - 1); // e.g. VXLAN inner headers parsed above
        int len = end - off;
        byte* data = packet.Desc->Data;
        switch (kind)
        {
            case HeaderKind.Tcp: checksumOffset = 16; break;
            case HeaderKind.Udp:
                checksumOffset = 6;
                int udpLen = data[off + 4] << 8 | data[off + 5];
                if (udpLen >= Udp.Size && udpLen < len) len = udpLen; // bytes after the UDP length are not covered
                break;
            default: checksumOffset = 2; break;
        }
        if (len < checksumOffset + 2) return false;
        segment = new Span<byte>(data + off, len);
        byte proto = kind switch { HeaderKind.Tcp => Ipv4.ProtoTcp, HeaderKind.Udp => Ipv4.ProtoUdp, HeaderKind.Icmp => Ipv4.ProtoIcmp, _ => Ipv4.ProtoIcmpv6 };
        byte* ip = data + h.Offsets[l4 - 1];
        if (ipKind == HeaderKind.Ipv4)
        {
            if (kind != HeaderKind.Icmp) // ICMPv4 has no pseudo-header
                pseudo = Checksum.PseudoHeaderV4(BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(ip + 12, 4)),
                    BinaryPrimitives.ReadUInt32BigEndian(new ReadOnlySpan<byte>(ip + 16, 4)), proto, len);
        }
        else
        {
            var addrs = new ReadOnlySpan<byte>(ip + 8, 32);
            pseudo = Checksum.Sum(addrs, (uint)len + proto);
        }
        return true;
    }

    private static unsafe bool IpBelowIsV6(this Packet packet, HeaderKind kind)
    {
        ref var h = ref packet.Desc->Headers;
        for (int i = h.Depth - 1; i > 0; i--)
            if ((HeaderKind)h.Kinds[i] == kind) return (HeaderKind)h.Kinds[i - 1] == HeaderKind.Ipv6;
        return false;
    }
}
