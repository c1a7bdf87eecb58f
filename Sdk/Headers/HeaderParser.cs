using System.Runtime.CompilerServices;

namespace Switchboard.Sdk;

/// <summary>
/// Validating parsers for each header kind. Each checks that every byte it or a later accessor will
/// touch lies inside the packet (and inside the IP datagram for transport headers) before pushing the
/// header, so header views can never read out of bounds.
/// </summary>
internal static unsafe class HeaderParser
{
    private const int MaxVlanTags = 2;
    private const int MaxIpv6Extensions = 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ParseStatus Parse(PacketDesc* d, HeaderKind kind) => kind switch
    {
        HeaderKind.Ethernet => ParseEthernet(d),
        HeaderKind.Ipv4 => ParseIpv4(d),
        HeaderKind.Ipv6 => ParseIpv6(d),
        HeaderKind.Tcp => ParseTcp(d),
        HeaderKind.Udp => ParseUdp(d),
        HeaderKind.Icmp => ParseIcmp(d, Ipv4.ProtoIcmp, HeaderKind.Icmp),
        HeaderKind.Icmpv6 => ParseIcmp(d, Ipv4.ProtoIcmpv6, HeaderKind.Icmpv6),
        _ => ParseStatus.NotThisProtocol,
    };

    /// <summary>Pop the top header (deparse): its bytes become payload again.</summary>
    public static HeaderKind Deparse(PacketDesc* d) => d->Headers.Pop();

    private static ParseStatus ParseEthernet(PacketDesc* d)
    {
        ref var h = ref d->Headers;
        int off = h.PayloadOffset;
        int end = d->Length;
        if (end - off < Ethernet.Size) return ParseStatus.Truncated;
        byte* p = d->Data + off;
        int len = Ethernet.Size;
        ushort type = (ushort)(p[12] << 8 | p[13]);
        for (int tags = 0; type is Ethernet.TypeVlan or Ethernet.TypeQinQ; tags++)
        {
            if (tags == MaxVlanTags) return ParseStatus.BadHeaderLength;
            if (end - off < len + 4) return ParseStatus.Truncated;
            type = (ushort)(p[len + 2] << 8 | p[len + 3]);
            len += 4;
        }
        return h.Push(HeaderKind.Ethernet, off, len) ? ParseStatus.Ok : ParseStatus.StackFull;
    }

    /// <summary>What protocol the current top header says comes next, if it can tell.</summary>
    private static bool NextIs(PacketDesc* d, HeaderKind want)
    {
        ref var h = ref d->Headers;
        switch (h.Top)
        {
            case HeaderKind.None:
                return true; // raw IP: the version nibble decides
            case HeaderKind.Ethernet:
            {
                int end = h.PayloadOffset;
                ushort type = (ushort)(d->Data[end - 2] << 8 | d->Data[end - 1]);
                return want == HeaderKind.Ipv4 ? type == Ethernet.TypeIpv4 : type == Ethernet.TypeIpv6;
            }
            case HeaderKind.Ipv4:
            case HeaderKind.Ipv6:
                return h.IpProtocol == (want == HeaderKind.Ipv4 ? 4 : Ipv4.ProtoIpv6);
            default:
                return false;
        }
    }

    private static ParseStatus ParseIpv4(PacketDesc* d)
    {
        if (!NextIs(d, HeaderKind.Ipv4)) return ParseStatus.NotThisProtocol;
        ref var h = ref d->Headers;
        int off = h.PayloadOffset;
        int avail = h.PayloadEnd(d->Length) - off;
        if (avail < Ipv4.MinSize) return ParseStatus.Truncated;
        byte* p = d->Data + off;
        if (p[0] >> 4 != 4) return h.Top == HeaderKind.None ? ParseStatus.NotThisProtocol : ParseStatus.BadVersion;
        int ihl = (p[0] & 0xF) * 4;
        if (ihl < Ipv4.MinSize) return ParseStatus.BadHeaderLength;
        if (ihl > avail) return ParseStatus.Truncated;
        int total = p[2] << 8 | p[3];
        if (total < ihl || total > avail) return ParseStatus.BadTotalLength;
        if (!h.Push(HeaderKind.Ipv4, off, ihl)) return ParseStatus.StackFull;
        ushort frag = (ushort)(p[6] << 8 | p[7]);
        h.Fragment = (frag & 0x3FFF) != 0;
        h.NonFirstFragment = (frag & 0x1FFF) != 0;
        h.IpProtocol = p[9];
        h.NetworkEnd = (ushort)(off + total);
        return ParseStatus.Ok;
    }

    private static ParseStatus ParseIpv6(PacketDesc* d)
    {
        if (!NextIs(d, HeaderKind.Ipv6)) return ParseStatus.NotThisProtocol;
        ref var h = ref d->Headers;
        int off = h.PayloadOffset;
        int avail = h.PayloadEnd(d->Length) - off;
        if (avail < Ipv6.Size) return ParseStatus.Truncated;
        byte* p = d->Data + off;
        if (p[0] >> 4 != 6) return h.Top == HeaderKind.None ? ParseStatus.NotThisProtocol : ParseStatus.BadVersion;
        int payload = p[4] << 8 | p[5];
        // Payload length 0 means a jumbogram (RFC 2675), which needs a hop-by-hop option we do not support.
        if (payload == 0 && avail > Ipv6.Size) return ParseStatus.BadTotalLength;
        int total = Ipv6.Size + payload;
        if (total > avail) return ParseStatus.BadTotalLength;

        byte next = p[6];
        int len = Ipv6.Size;
        bool fragment = false, nonFirst = false;
        for (int n = 0; ; n++)
        {
            int extLen;
            switch (next)
            {
                case 0: case 43: case 60: case 135: case 139: case 140: // hop-by-hop, routing, dest opts, mobility, HIP, shim6
                    if (total - len < 8) return ParseStatus.BadExtensionHeader;
                    extLen = (p[len + 1] + 1) * 8;
                    break;
                case 44: // fragment
                    if (total - len < 8) return ParseStatus.BadExtensionHeader;
                    extLen = 8;
                    fragment = true;
                    nonFirst = ((p[len + 2] << 8 | p[len + 3]) & 0xFFF8) != 0;
                    break;
                case 51: // authentication header: length in 4-byte units, minus 2
                    if (total - len < 8) return ParseStatus.BadExtensionHeader;
                    extLen = (p[len + 1] + 2) * 4;
                    break;
                default:
                    goto done;
            }
            if (n == MaxIpv6Extensions || extLen > total - len) return ParseStatus.BadExtensionHeader;
            next = p[len];
            len += extLen;
        }
    done:
        if (!h.Push(HeaderKind.Ipv6, off, len)) return ParseStatus.StackFull;
        h.IpProtocol = next;
        h.Fragment = fragment;
        h.NonFirstFragment = nonFirst;
        h.NetworkEnd = (ushort)(off + total);
        return ParseStatus.Ok;
    }

    private static ParseStatus ParseTcp(PacketDesc* d)
    {
        ref var h = ref d->Headers;
        if (h.Top is not (HeaderKind.Ipv4 or HeaderKind.Ipv6) || h.IpProtocol != Ipv4.ProtoTcp) return ParseStatus.NotThisProtocol;
        if (h.NonFirstFragment) return ParseStatus.Fragment;
        int off = h.PayloadOffset;
        int avail = h.PayloadEnd(d->Length) - off;
        if (avail < Tcp.MinSize) return ParseStatus.Truncated;
        int len = (d->Data[off + 12] >> 4) * 4;
        if (len < Tcp.MinSize) return ParseStatus.BadHeaderLength;
        if (len > avail) return ParseStatus.Truncated;
        return h.Push(HeaderKind.Tcp, off, len) ? ParseStatus.Ok : ParseStatus.StackFull;
    }

    private static ParseStatus ParseUdp(PacketDesc* d)
    {
        ref var h = ref d->Headers;
        if (h.Top is not (HeaderKind.Ipv4 or HeaderKind.Ipv6) || h.IpProtocol != Ipv4.ProtoUdp) return ParseStatus.NotThisProtocol;
        if (h.NonFirstFragment) return ParseStatus.Fragment;
        int off = h.PayloadOffset;
        int avail = h.PayloadEnd(d->Length) - off;
        if (avail < Udp.Size) return ParseStatus.Truncated;
        int len = d->Data[off + 4] << 8 | d->Data[off + 5];
        // A first fragment carries only part of the datagram, so its length may exceed what is here.
        if (len < Udp.Size || (!h.Fragment && len > avail)) return ParseStatus.BadTotalLength;
        return h.Push(HeaderKind.Udp, off, Udp.Size) ? ParseStatus.Ok : ParseStatus.StackFull;
    }

    private static ParseStatus ParseIcmp(PacketDesc* d, byte proto, HeaderKind kind)
    {
        ref var h = ref d->Headers;
        var ip = kind == HeaderKind.Icmp ? HeaderKind.Ipv4 : HeaderKind.Ipv6;
        if (h.Top != ip || h.IpProtocol != proto) return ParseStatus.NotThisProtocol;
        if (h.NonFirstFragment) return ParseStatus.Fragment;
        int off = h.PayloadOffset;
        if (h.PayloadEnd(d->Length) - off < Icmp.Size) return ParseStatus.Truncated;
        return h.Push(kind, off, Icmp.Size) ? ParseStatus.Ok : ParseStatus.StackFull;
    }
}
