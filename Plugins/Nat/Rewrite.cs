using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Switchboard.Sdk;

namespace Switchboard.Plugins.Nat;

/// <summary>
/// Header rewrites with incremental checksum updates (RFC 1624): the IPv4 header checksum, the TCP/UDP
/// checksum (its pseudo-header covers the addresses), the ICMP echo checksum (the identifier), and for ICMP
/// errors the quoted IP header and first bytes of the quoted transport header together with the outer ICMP
/// checksum that covers them. A UDP checksum of zero ("none") stays zero.
/// </summary>
internal static class Rewrite
{
    /// <summary>Set the source (or destination) address and port of a TCP/UDP packet or the identifier of an ICMP echo.</summary>
    public static void Endpoint(Packet p, bool source, uint address, ushort port)
    {
        ref var ip = ref p.Ipv4;
        uint addressChange = SetAddress(ref ip, source, address);
        switch (ip.Protocol)
        {
            case Ipv4.ProtoTcp:
            {
                ref var t = ref p.Tcp;
                ushort oldPort = source ? t.SourcePort : t.DestinationPort;
                if (source) t.SourcePort = port; else t.DestinationPort = port;
                t.Checksum = Apply(t.Checksum, WithPort(addressChange, oldPort, port));
                break;
            }
            case Ipv4.ProtoUdp:
            {
                ref var u = ref p.Udp;
                ushort oldPort = source ? u.SourcePort : u.DestinationPort;
                if (source) u.SourcePort = port; else u.DestinationPort = port;
                if (u.Checksum != 0) u.Checksum = UdpChecksum(Apply(u.Checksum, WithPort(addressChange, oldPort, port)));
                break;
            }
            case Ipv4.ProtoIcmp:
            {
                ref var c = ref p.Icmp;
                if (c.Type is Icmp.EchoRequest or Icmp.EchoReply && c.Identifier != port)
                {
                    c.Checksum = Checksum.Update(c.Checksum, c.Identifier, port); // ICMP has no pseudo-header
                    c.Identifier = port;
                }
                break;
            }
        }
    }

    /// <summary>SNAT of an outbound UDP packet: its source address and port, and both checksums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void UdpSource(ref Ipv4 ip, ref Udp u, uint address, ushort port)
    {
        uint change = WithPort(SetAddress(ref ip, source: true, address), u.SourcePort, port);
        u.SourcePort = port;
        if (u.Checksum != 0) u.Checksum = UdpChecksum(Apply(u.Checksum, change));
    }

    /// <summary>SNAT of an outbound TCP segment: its source address and port, and both checksums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TcpSource(ref Ipv4 ip, ref Tcp t, uint address, ushort port)
    {
        uint change = WithPort(SetAddress(ref ip, source: true, address), t.SourcePort, port);
        t.SourcePort = port;
        t.Checksum = Apply(t.Checksum, change);
    }

    /// <summary>Set the source (or destination) address and update the IP header checksum. Returns the address change's
    /// one's-complement sum, to be added once to each other checksum that covers it (the TCP/UDP pseudo-header's): the
    /// same result as updating word by word, with one fold per checksum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint SetAddress(ref Ipv4 ip, bool source, uint address)
    {
        uint change = Change(source ? ip.Source : ip.Destination, address);
        if (source) ip.Source = address; else ip.Destination = address;
        ip.Checksum = Apply(ip.Checksum, change);
        return change;
    }

    /// <summary><paramref name="change"/> plus the change of a 16-bit port from <paramref name="old"/> to <paramref name="value"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint WithPort(uint change, ushort old, ushort value) => change + (old ^ 0xFFFFu) + value;

    /// <summary>The one's-complement sum of replacing 32-bit <paramref name="old"/> by <paramref name="value"/>
    /// (RFC 1624 eqn. 3: ~m + m' per 16-bit word), unfolded: at most 4 * 0xFFFF.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Change(uint old, uint value) =>
        ((old >> 16) ^ 0xFFFFu) + ((old & 0xFFFF) ^ 0xFFFFu) + (value >> 16) + (value & 0xFFFF);

    /// <summary>Checksum <paramref name="checksum"/> updated by an unfolded change sum below 2^20: ~(~HC + change), folded.
    /// Folding is exact whatever the grouping (a sum folds to 0 only when it is 0), so this equals a chain of
    /// <see cref="Checksum.Update(ushort, ushort, ushort)"/> calls over the same words.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ushort Apply(ushort checksum, uint change)
    {
        uint sum = (checksum ^ 0xFFFFu) + change;
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)(sum ^ 0xFFFF);
    }

    /// <summary>Set only the outer source (or destination) address (ICMP errors: the ICMP checksum does not cover it).</summary>
    public static void Address(Packet p, bool source, uint address)
    {
        ref var ip = ref p.Ipv4;
        uint old = source ? ip.Source : ip.Destination;
        if (source) ip.Source = address; else ip.Destination = address;
        ip.Checksum = Checksum.Update(ip.Checksum, old, address);
    }

    /// <summary>
    /// Rewrite the source (or destination) endpoint of the datagram quoted in an ICMP error: the quoted
    /// address and its IP header checksum, the quoted port (or echo identifier) and the quoted transport
    /// checksum when the quote reaches it; each 16-bit change also updates the outer ICMP checksum.
    /// The caller checked the quote holds the IP header and 8 transport bytes.
    /// </summary>
    public static void Quoted(Packet p, bool source, uint address, ushort port)
    {
        ref var icmp = ref p.Icmp;
        ushort cs = icmp.Checksum;
        var q = p.IcmpQuotedPacket;
        int ihl = (q[0] & 0xF) * 4;
        byte proto = q[9];
        int addrOff = source ? 12 : 16;
        uint oldAddress = BinaryPrimitives.ReadUInt32BigEndian(q[addrOff..]);
        ushort ipCs = Checksum.Update(BinaryPrimitives.ReadUInt16BigEndian(q[10..]), oldAddress, address);
        Write(q, addrOff, (ushort)(address >> 16), ref cs);
        Write(q, addrOff + 2, (ushort)address, ref cs);
        Write(q, 10, ipCs, ref cs);
        var l4 = q[ihl..];
        if (proto is Ipv4.ProtoTcp or Ipv4.ProtoUdp)
        {
            int portOff = source ? 0 : 2;
            ushort oldPort = BinaryPrimitives.ReadUInt16BigEndian(l4[portOff..]);
            Write(l4, portOff, port, ref cs);
            int csOff = proto == Ipv4.ProtoTcp ? 16 : 6;
            if (l4.Length >= csOff + 2)
            {
                ushort l4Cs = BinaryPrimitives.ReadUInt16BigEndian(l4[csOff..]);
                if (proto == Ipv4.ProtoTcp || l4Cs != 0)
                {
                    l4Cs = Checksum.Update(Checksum.Update(l4Cs, oldAddress, address), oldPort, port);
                    Write(l4, csOff, proto == Ipv4.ProtoUdp ? UdpChecksum(l4Cs) : l4Cs, ref cs);
                }
            }
        }
        else if (proto == Ipv4.ProtoIcmp)
        {
            ushort oldId = BinaryPrimitives.ReadUInt16BigEndian(l4[4..]);
            Write(l4, 4, port, ref cs);
            Write(l4, 2, Checksum.Update(BinaryPrimitives.ReadUInt16BigEndian(l4[2..]), oldId, port), ref cs);
        }
        icmp.Checksum = cs;
    }

    /// <summary>Write a 16-bit word at an even offset of ICMP-covered data, updating the ICMP checksum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Write(Span<byte> s, int offset, ushort value, ref ushort icmpChecksum)
    {
        icmpChecksum = Checksum.Update(icmpChecksum, BinaryPrimitives.ReadUInt16BigEndian(s[offset..]), value);
        BinaryPrimitives.WriteUInt16BigEndian(s[offset..], value);
    }

    /// <summary>A computed UDP checksum of 0 is sent as 0xFFFF (0 means "no checksum", RFC 768).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ushort UdpChecksum(ushort cs) => cs == 0 ? (ushort)0xFFFF : cs;
}
