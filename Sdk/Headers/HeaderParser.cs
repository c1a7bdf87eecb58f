using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Switchboard.Sdk;

/// <summary>
/// Validating parsers for each header kind. Each checks that every byte it or a later accessor will
/// touch lies inside the packet (and inside the IP datagram for headers above IP) before pushing the
/// header, so header views can never read out of bounds. Invariant kept by every push:
/// <c>PayloadOffset &lt;= PayloadEnd(Length)</c>.
/// </summary>
internal static unsafe class HeaderParser
{
    /// <summary>802.1Q plus one 802.1ad outer tag (QinQ); a third tag is rejected.</summary>
    internal const int MaxVlanTags = 2;
    /// <summary>More extension headers than this is treated as an attack (RFC 8504 §5.3 lets nodes set limits).</summary>
    internal const int MaxIpv6Extensions = 8;

    /// <remarks>The common refusals are decided inline (a transport header the IP header does not name, IPv6 after an
    /// Ethernet header whose EtherType is another or after an IP header that does not carry IPv6), with the status the
    /// full parser would give: a try-parse that does not apply then costs a few loads and compares.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ParseStatus Parse(PacketDesc* d, HeaderKind kind) => kind switch
    {
        HeaderKind.Ethernet => ParseEthernet(d),
        HeaderKind.Ipv4 => ParseIpv4(d),
        HeaderKind.Ipv6 => Ipv6CannotFollow(d) ? ParseStatus.NotThisProtocol : ParseIpv6(d),
        HeaderKind.Tcp => d->Headers.IpProtocol != Ipv4.ProtoTcp ? ParseStatus.NotThisProtocol : ParseTcp(d),
        HeaderKind.Udp => d->Headers.IpProtocol != Ipv4.ProtoUdp ? ParseStatus.NotThisProtocol : ParseUdp(d),
        HeaderKind.Icmp => d->Headers.IpProtocol != Ipv4.ProtoIcmp ? ParseStatus.NotThisProtocol : ParseIcmp(d, Ipv4.ProtoIcmp, HeaderKind.Icmp),
        HeaderKind.Icmpv6 => d->Headers.IpProtocol != Ipv4.ProtoIcmpv6 ? ParseStatus.NotThisProtocol : ParseIcmp(d, Ipv4.ProtoIcmpv6, HeaderKind.Icmpv6),
        _ => ParseStatus.NotThisProtocol,
    };

    /// <summary>True when <see cref="NextIs"/> would refuse IPv6 in the common cases: the stack is one Ethernet header
    /// whose EtherType is another, or its top is an IP header whose protocol is not IPv6 (IPv4 traffic meeting a
    /// try-parse of IPv6). Anything else goes to the full parser.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Ipv6CannotFollow(PacketDesc* d)
    {
        ref var h = ref d->Headers;
        int top = h.Depth - 1;
        if (top < 0) return false;
        var kind = (HeaderKind)h.Kinds[top];
        if (kind is HeaderKind.Ipv4 or HeaderKind.Ipv6) return h.IpProtocol != Ipv4.ProtoIpv6;
        if (top != 0 || kind != HeaderKind.Ethernet) return false;
        byte* end = d->Data + h.Offsets[0] + h.Lengths[0];
        return (end[-2] << 8 | end[-1]) != Ethernet.TypeIpv6;
    }

    /// <summary>Pop the top header (deparse): its bytes become payload again. Popping an IP header
    /// restores the IP state (protocol, datagram end, fragment flags) of the IP header below it, or clears it.</summary>
    public static HeaderKind Deparse(PacketDesc* d)
    {
        ref var h = ref d->Headers;
        var kind = h.Pop();
        if (kind is HeaderKind.Ipv4 or HeaderKind.Ipv6) RestoreIpState(d);
        return kind;
    }

    private static void RestoreIpState(PacketDesc* d)
    {
        ref var h = ref d->Headers;
        h.ClearIpState();
        for (int i = h.Depth - 1; i >= 0; i--)
        {
            var k = (HeaderKind)h.Kinds[i];
            if (k is not (HeaderKind.Ipv4 or HeaderKind.Ipv6)) continue;
            int off = h.Offsets[i], len = h.Lengths[i];
            // Bound by the enclosing IP datagram, if any, as the original parse was.
            int end = d->Length;
            for (int j = i - 1; j >= 0; j--)
                if ((HeaderKind)h.Kinds[j] is HeaderKind.Ipv4 or HeaderKind.Ipv6) { end = Math.Min(end, EndOf(d, j)); break; }
            IpInfo info;
            var status = k == HeaderKind.Ipv4 ? AnalyzeIpv4(d->Data + off, end - off, out info) : AnalyzeIpv6(d->Data + off, end - off, out info);
            if (status == ParseStatus.Ok && info.HeaderLength == len) h.SetIpState(info, off);
            else
            {
                // The header was rewritten since it was parsed; keep what can be trusted: its pushed length.
                h.NetworkEnd = (ushort)Math.Max(off + len, Math.Min(end, d->Length));
            }
            return;
        }
    }

    /// <summary>Datagram end of the IP entry at stack index <paramref name="i"/>, recomputed from its bytes (never before its header's end).</summary>
    internal static int EndOf(PacketDesc* d, int i)
    {
        ref var h = ref d->Headers;
        int off = h.Offsets[i], len = h.Lengths[i];
        byte* p = d->Data + off;
        int total = (HeaderKind)h.Kinds[i] == HeaderKind.Ipv4 ? p[2] << 8 | p[3] : Ipv6.Size + (p[4] << 8 | p[5]);
        return Math.Max(off + len, Math.Min(off + total, d->Length));
    }

    private static ParseStatus ParseEthernet(PacketDesc* d)
    {
        ref var h = ref d->Headers;
        int off = h.PayloadOffset;
        var status = EthernetLength(d->Data + off, h.PayloadEnd(d->Length) - off, out int len);
        if (status != ParseStatus.Ok) return status;
        return h.Push(HeaderKind.Ethernet, off, len) ? ParseStatus.Ok : ParseStatus.StackFull;
    }

    /// <summary>Parse Ethernet onto a stack known to be empty (right after an NF's entry cleared it): the same checks
    /// and result as <see cref="ParseEthernet"/>, without reading the stack back.</summary>
    internal static ParseStatus ParseEthernetFirst(PacketDesc* d) =>
        TryPushUntaggedEthernetFirst(d) ? ParseStatus.Ok : ParseEthernet(d);

    /// <summary>The common case of <see cref="ParseEthernetFirst"/>, decided inline: an untagged frame (the stack is empty)
    /// gets its 14-byte header pushed. False pushes nothing: the frame is short or tagged, for the general parse to decide.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryPushUntaggedEthernetFirst(PacketDesc* d)
    {
        byte* p = d->Data;
        if (d->Length < Ethernet.Size || (p[12] << 8 | p[13]) is Ethernet.TypeVlan or Ethernet.TypeQinQ) return false;
        ref var h = ref d->Headers;
        h.Kinds[0] = (byte)HeaderKind.Ethernet;
        h.Offsets[0] = 0;
        h.Lengths[0] = Ethernet.Size;
        h.ByKind[(int)HeaderKind.Ethernet] = 0;
        h.Depth = 1;
        return true;
    }

    /// <summary>The Ethernet header's length at <paramref name="p"/> (VLAN tags included), <paramref name="avail"/> bytes available.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ParseStatus EthernetLength(byte* p, int avail, out int len)
    {
        len = Ethernet.Size;
        if (avail < Ethernet.Size) return ParseStatus.Truncated;
        ushort type = (ushort)(p[12] << 8 | p[13]);
        for (int tags = 0; type is Ethernet.TypeVlan or Ethernet.TypeQinQ; tags++)
        {
            if (tags == MaxVlanTags) return ParseStatus.BadHeaderLength;
            if (avail < len + 4) return ParseStatus.Truncated;
            type = (ushort)(p[len + 2] << 8 | p[len + 3]);
            len += 4;
        }
        return ParseStatus.Ok;
    }

    /// <summary>Whether the current top header says <paramref name="want"/> comes next.</summary>
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
                return h.IpProtocol == (want == HeaderKind.Ipv4 ? Ipv4.ProtoIpip : Ipv4.ProtoIpv6);
            default:
                return false;
        }
    }

    /// <summary>What an IP header says about itself, once validated.</summary>
    internal struct IpInfo
    {
        public int HeaderLength;   // including IPv4 options / IPv6 extension headers
        public int TotalLength;    // the datagram's declared length
        public byte Protocol;      // upper-layer protocol
        public bool Fragment, NonFirstFragment;
    }

    /// <summary>Validate an IPv4 header at <paramref name="p"/> with <paramref name="avail"/> bytes of datagram room.</summary>
    internal static ParseStatus AnalyzeIpv4(byte* p, int avail, out IpInfo info)
    {
        info = default;
        if (avail < Ipv4.MinSize) return ParseStatus.Truncated;
        if (p[0] >> 4 != 4) return ParseStatus.BadVersion;
        int ihl = (p[0] & 0xF) * 4;
        if (ihl < Ipv4.MinSize) return ParseStatus.BadHeaderLength;
        if (ihl > avail) return ParseStatus.Truncated;
        int total = p[2] << 8 | p[3];
        if (total < ihl || total > avail) return ParseStatus.BadTotalLength;
        int frag = p[6] << 8 | p[7];
        info.HeaderLength = ihl;
        info.TotalLength = total;
        info.Protocol = p[9];
        info.Fragment = (frag & 0x3FFF) != 0;          // MF set or offset non-zero
        info.NonFirstFragment = (frag & 0x1FFF) != 0;
        return ParseStatus.Ok;
    }

    /// <summary>Validate an IPv6 header and walk its extension headers (RFC 8200 §4).</summary>
    internal static ParseStatus AnalyzeIpv6(byte* p, int avail, out IpInfo info)
    {
        info = default;
        if (avail < Ipv6.Size) return ParseStatus.Truncated;
        if (p[0] >> 4 != 6) return ParseStatus.BadVersion;
        // Payload length 0 with a hop-by-hop header would be a jumbogram (RFC 2675): unsupported, and the
        // hop-by-hop header then fails the bounds check below. Otherwise 0 just means no payload.
        int total = Ipv6.Size + (p[4] << 8 | p[5]);
        if (total > avail) return ParseStatus.BadTotalLength;

        byte next = p[6];
        int len = Ipv6.Size;
        for (int n = 0; ; n++)
        {
            int extLen;
            switch (next)
            {
                case Ipv6.ExtHopByHop:
                    if (n != 0) return ParseStatus.BadExtensionHeader; // only allowed right after the fixed header
                    goto case Ipv6.ExtDestinationOptions;
                case Ipv6.ExtRouting:
                case Ipv6.ExtDestinationOptions:
                case 135: case 139: case 140: // mobility, HIP, shim6: same length format (RFC 7045)
                    if (total - len < 8) return ParseStatus.BadExtensionHeader;
                    extLen = (p[len + 1] + 1) * 8;
                    break;
                case Ipv6.ExtFragment:
                    if (total - len < 8) return ParseStatus.BadExtensionHeader;
                    extLen = 8;
                    int offsetFlags = p[len + 2] << 8 | p[len + 3];
                    // An atomic fragment (offset 0, M clear) is not a fragment (RFC 6946).
                    info.Fragment = (offsetFlags & 0xFFF9) != 0;
                    info.NonFirstFragment = (offsetFlags & 0xFFF8) != 0;
                    break;
                case Ipv6.ExtAuthentication: // length in 4-byte units, minus 2 (RFC 4302)
                    if (total - len < 8) return ParseStatus.BadExtensionHeader;
                    extLen = (p[len + 1] + 2) * 4;
                    break;
                default:
                    goto done;
            }
            if (n == MaxIpv6Extensions || extLen > total - len) return ParseStatus.BadExtensionHeader;
            next = p[len];
            len += extLen;
            // After a non-first fragment's header the bytes are the middle of the datagram, not headers.
            if (info.NonFirstFragment) break;
        }
    done:
        info.HeaderLength = len;
        info.TotalLength = total;
        info.Protocol = next;
        return ParseStatus.Ok;
    }

    private static ParseStatus ParseIpv4(PacketDesc* d)
    {
        ref var h = ref d->Headers;
        if (h.Depth == 1 && h.Kinds[0] == (byte)HeaderKind.Ethernet && TryPushIpv4AfterEthernet(d, h.Offsets[0] + h.Lengths[0]))
            return ParseStatus.Ok;
        return ParseIp(d, HeaderKind.Ipv4);
    }

    /// <summary>Parse IPv4 onto a stack known to hold exactly one Ethernet header and no IP state (an NF's entry, then
    /// <see cref="ParseEthernetFirst"/>): the same checks and result as <see cref="ParseIpv4"/>, with the common case's
    /// stack writes merged.</summary>
    internal static ParseStatus ParseIpv4AfterEthernet(PacketDesc* d) =>
        TryPushIpv4AfterOnlyEthernet(d) ? ParseStatus.Ok : ParseIp(d, HeaderKind.Ipv4);

    /// <summary>The common case of <see cref="ParseIpv4AfterEthernet"/>, decided inline: an untagged frame (its EtherType
    /// at byte 12 says IPv4) has the header at 14, read without waiting for the Ethernet entry just stored; a tagged one
    /// goes by that entry's length. False pushes nothing and leaves the packet to the general parse.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool TryPushIpv4AfterOnlyEthernet(PacketDesc* d)
    {
        byte* data = d->Data;
        if (data[12] != 0x08 || data[13] != 0x00) return TryPushIpv4AfterEthernet(d, d->Headers.Lengths[0]);
        return TryPushIpv4At(d, data + Ethernet.Size, Ethernet.Size);
    }

    /// <summary>
    /// An NF's entry, then Ethernet, then IPv4, then the try-parses of TCP, UDP and ICMP it asks for, at once
    /// (<see cref="EntryParseStage{TEth, TIp4, TIp6, TTcp, TUdp, TIcmp}"/>). For an untagged frame carrying an
    /// option-less IPv4 header and its whole datagram, writes the stack that <see cref="HeaderStack.Clear"/>,
    /// <see cref="ParseEthernetFirst"/>, <see cref="ParseIpv4AfterEthernet"/> and those try-parses leave (byte for byte
    /// where they write, in five stores, three more for a transport header) and returns 1 + the kind of the transport
    /// header pushed (1 when none: its protocol is not one asked for, a later fragment, or a header that does not fit;
    /// every try-parse then refuses the frame, as theirs would). 0 writes nothing: the frame needs the steps one by one.
    /// With <paramref name="notCarryingIpv6"/> (an IPv6 try-parse follows) a datagram carrying IPv6 also returns 0, so the
    /// caller knows that try-parse refuses every frame this writes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int TryWriteEntryStack<TTcp, TUdp, TIcmp>(PacketDesc* d, bool notCarryingIpv6)
        where TTcp : struct, IParseMode where TUdp : struct, IParseMode where TIcmp : struct, IParseMode
    {
        const int L4 = Ethernet.Size + Ipv4.MinSize;
        byte* p = d->Data;
        int avail = d->Length - Ethernet.Size;
        // EtherType 0x0800 and an option-less IPv4 version byte (0x45): bytes 12-14 in one load.
        if (avail < Ipv4.MinSize || (Unsafe.ReadUnaligned<uint>(p + 12) & 0xFF_FFFF) != 0x45_0008) return 0;
        int total = BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ushort>(p + 16));
        if (total < Ipv4.MinSize || total > avail) return 0;
        byte proto = p[23];
        if (notCarryingIpv6 && proto == Ipv4.ProtoIpv6) return 0;
        int transport = 0, length = 0;
        if ((TTcp.Present || TUdp.Present || TIcmp.Present) && (p[21] | (p[20] & 0x1F)) == 0) // no later fragment
        {
            int room = total - Ipv4.MinSize; // the datagram is whole: its end is in the frame
            if (TTcp.Present && proto == Ipv4.ProtoTcp)
            {
                int tcp = room >= Tcp.MinSize ? (p[L4 + 12] >> 4) * 4 : 0;
                if (tcp >= Tcp.MinSize && tcp <= room) (transport, length) = ((int)HeaderKind.Tcp, tcp);
            }
            else if (TUdp.Present && proto == Ipv4.ProtoUdp)
            {
                int udp = room >= Udp.Size ? p[L4 + 4] << 8 | p[L4 + 5] : 0;
                bool fragment = (p[20] & 0x20) != 0; // a first fragment carries only part of the datagram
                if (udp >= Udp.Size && (fragment || udp <= room)) (transport, length) = ((int)HeaderKind.Udp, Udp.Size);
            }
            else if (TIcmp.Present && proto == Ipv4.ProtoIcmp && room >= Icmp.Size)
                (transport, length) = ((int)HeaderKind.Icmp, Icmp.Size);
        }
        byte* s = (byte*)Unsafe.AsPointer(ref d->Headers);
        // ByKind: Ethernet at 0, IPv4 at 14, a transport header (kinds 4-6: the second word) at 34, every other kind absent.
        int shift = (transport - (int)HeaderKind.Tcp) * 16;
        Unsafe.WriteUnaligned(s, Vector128.Create(0xFFFF_000E_0000_FFFFUL,
            transport == 0 ? ulong.MaxValue : ~(0xFFFFUL << shift) | (ulong)L4 << shift));
        // NetworkEnd (14 + total fits 16 bits: total <= avail), Depth and IpProtocol in one store.
        Unsafe.WriteUnaligned(s + HeaderStack.OffNetworkEnd, (uint)(Ethernet.Size + total) | (uint)(transport == 0 ? 2 : 3) << 16 | (uint)proto << 24);
        // The fragment word as it is, then Kinds[0..1].
        Unsafe.WriteUnaligned(s + HeaderStack.OffFragment, Unsafe.ReadUnaligned<ushort>(p + 20) | (uint)HeaderKind.Ipv4 << 24 | (uint)HeaderKind.Ethernet << 16);
        Unsafe.WriteUnaligned(s + HeaderStack.OffOffsets, (uint)Ethernet.Size << 16);
        Unsafe.WriteUnaligned(s + HeaderStack.OffLengths, (uint)Ipv4.MinSize << 16 | Ethernet.Size);
        if (transport != 0)
        {
            s[HeaderStack.OffKinds + 2] = (byte)transport;
            Unsafe.WriteUnaligned(s + HeaderStack.OffOffsets + 4, (ushort)L4);
            Unsafe.WriteUnaligned(s + HeaderStack.OffLengths + 4, (ushort)length);
        }
        return 1 + transport;
    }

    /// <summary>The general IPv4 parse (out of line): what a known-stack fast path leaves to it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static ParseStatus ParseIpv4General(PacketDesc* d) => ParseIp(d, HeaderKind.Ipv4);

    /// <summary>The general Ethernet parse (out of line): what <see cref="TryPushUntaggedEthernetFirst"/> leaves to it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static ParseStatus ParseEthernetGeneral(PacketDesc* d) => ParseEthernet(d);

    /// <summary><see cref="Parse"/> out of line: the reason a packet an inline parse refused gives.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static ParseStatus ParseOutOfLine(PacketDesc* d, HeaderKind kind) => Parse(d, kind);

    /// <summary>The common case of IPv4 right after the only (Ethernet) header, which ends at <paramref name="off"/>:
    /// an option-less header, datagram fully present. Pushes it as the second entry with its IP state and returns true;
    /// anything else (options, errors) returns false for the general path, which gives the precise status.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryPushIpv4AfterEthernet(PacketDesc* d, int off)
    {
        byte* p = d->Data + off;
        return p[-2] == 0x08 && p[-1] == 0x00 && TryPushIpv4At(d, p, off);
    }

    /// <summary><see cref="TryPushIpv4AfterEthernet"/> once the EtherType is known to say IPv4: the header at
    /// <paramref name="p"/>, <paramref name="off"/> bytes into the packet. The entry goes in with three stores and the IP
    /// state with two (NetworkEnd, Depth and IpProtocol in one; the fragment word copied as it is).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryPushIpv4At(PacketDesc* d, byte* p, int off)
    {
        int avail = d->Length - off;
        if (avail < Ipv4.MinSize || p[0] != 0x45) return false;
        int total = p[2] << 8 | p[3];
        if (total < Ipv4.MinSize || total > avail) return false;
        ref var h = ref d->Headers;
        h.Kinds[1] = (byte)HeaderKind.Ipv4;
        h.Offsets[1] = (ushort)off;
        h.Lengths[1] = Ipv4.MinSize;
        h.ByKind[(int)HeaderKind.Ipv4] = (ushort)off;
        byte* s = (byte*)Unsafe.AsPointer(ref h);
        Unsafe.WriteUnaligned(s + HeaderStack.OffNetworkEnd, (uint)(ushort)(off + total) | 2u << 16 | (uint)p[9] << 24);
        Unsafe.WriteUnaligned(s + HeaderStack.OffFragment, Unsafe.ReadUnaligned<ushort>(p + 6));
        return true;
    }

    private static ParseStatus ParseIpv6(PacketDesc* d) => ParseIp(d, HeaderKind.Ipv6);

    private static ParseStatus ParseIp(PacketDesc* d, HeaderKind kind)
    {
        if (!NextIs(d, kind)) return ParseStatus.NotThisProtocol;
        ref var h = ref d->Headers;
        // IP in IP: a non-first fragment of the outer datagram carries no inner header.
        if (h.NonFirstFragment && h.Top is HeaderKind.Ipv4 or HeaderKind.Ipv6) return ParseStatus.Fragment;
        int off = h.PayloadOffset;
        int avail = h.PayloadEnd(d->Length) - off;
        byte* p = d->Data + off;
        int version = kind == HeaderKind.Ipv4 ? 4 : 6;
        // Raw IP (nothing parsed): a packet of the other version is simply not this protocol.
        if (h.Top == HeaderKind.None && avail > 0 && p[0] >> 4 != version) return ParseStatus.NotThisProtocol;
        var status = kind == HeaderKind.Ipv4 ? AnalyzeIpv4(p, avail, out var info) : AnalyzeIpv6(p, avail, out info);
        if (status != ParseStatus.Ok) return status;
        if (!h.Push(kind, off, info.HeaderLength)) return ParseStatus.StackFull;
        h.SetIpState(info, off);
        return ParseStatus.Ok;
    }

    /// <summary>Common checks for headers carried by IP: right protocol, a first fragment, room for <paramref name="minSize"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ParseStatus TransportRoom(ref HeaderStack h, int length, byte proto, bool v4Only, bool v6Only, int minSize, out int off, out int avail)
    {
        off = avail = 0;
        var top = h.Top;
        if (!(top == HeaderKind.Ipv4 && !v6Only || top == HeaderKind.Ipv6 && !v4Only) || h.IpProtocol != proto) return ParseStatus.NotThisProtocol;
        if (h.NonFirstFragment) return ParseStatus.Fragment;
        off = h.PayloadOffset;
        avail = h.PayloadEnd(length) - off;
        return avail < minSize ? ParseStatus.Truncated : ParseStatus.Ok;
    }

    private static ParseStatus ParseTcp(PacketDesc* d)
    {
        ref var h = ref d->Headers;
        var s = TransportRoom(ref h, d->Length, Ipv4.ProtoTcp, false, false, Tcp.MinSize, out int off, out int avail);
        if (s != ParseStatus.Ok) return s;
        int len = (d->Data[off + 12] >> 4) * 4;
        if (len < Tcp.MinSize) return ParseStatus.BadHeaderLength;
        if (len > avail) return ParseStatus.Truncated;
        return h.Push(HeaderKind.Tcp, off, len) ? ParseStatus.Ok : ParseStatus.StackFull;
    }

    private static ParseStatus ParseUdp(PacketDesc* d)
    {
        ref var h = ref d->Headers;
        var s = TransportRoom(ref h, d->Length, Ipv4.ProtoUdp, false, false, Udp.Size, out int off, out int avail);
        if (s != ParseStatus.Ok) return s;
        int len = d->Data[off + 4] << 8 | d->Data[off + 5];
        // A first fragment carries only part of the datagram, so its length may exceed what is here.
        if (len < Udp.Size || (!h.Fragment && len > avail)) return ParseStatus.BadTotalLength;
        return h.Push(HeaderKind.Udp, off, Udp.Size) ? ParseStatus.Ok : ParseStatus.StackFull;
    }

    private static ParseStatus ParseIcmp(PacketDesc* d, byte proto, HeaderKind kind)
    {
        ref var h = ref d->Headers;
        bool v4 = kind == HeaderKind.Icmp;
        var s = TransportRoom(ref h, d->Length, proto, v4, !v4, Icmp.Size, out int off, out _);
        if (s != ParseStatus.Ok) return s;
        return h.Push(kind, off, Icmp.Size) ? ParseStatus.Ok : ParseStatus.StackFull;
    }
}
