using Switchboard.Sdk;

namespace Switchboard.Plugins.Firewall;

/// <summary>The connection an ICMP / ICMPv6 error message is about, read from the header it quotes.</summary>
public static class QuotedFlow
{
    /// <summary>
    /// True when <paramref name="p"/> is an ICMP(v6) error (needs ICMP parsed); then <paramref name="key"/>
    /// is the quoted datagram's flow key (as the original packet had it), or default when the quote is
    /// too short to name a flow (<paramref name="readable"/> false).
    /// </summary>
    public static bool IsError(Packet p, out FlowKey key, out bool readable)
    {
        key = default;
        readable = false;
        if (!p.Has(HeaderKind.Icmp) && !p.Has(HeaderKind.Icmpv6)) return false;
        var q = p.IcmpQuotedPacket;
        bool v6 = p.Has(HeaderKind.Icmpv6);
        if (q.IsEmpty)
        {
            // Not an error (echo, neighbour discovery...) unless the quote was cut off entirely.
            byte type = v6 ? p.Icmpv6.Type : p.Icmp.Type;
            return v6 ? type < 128 : type is Icmp.DestinationUnreachable or 4 or 5 or Icmp.TimeExceeded or 12;
        }
        var ip = p.IcmpQuotedIpHeader;
        if (ip.IsEmpty) return true;
        int l4 = ip.Length;
        byte proto;
        if (v6)
        {
            proto = ip[6];
            key = new FlowKey(Be64(ip[8..]), Be64(ip[16..]), Be64(ip[24..]), Be64(ip[32..]), 0, 0, proto);
        }
        else
        {
            proto = ip[9];
            key = FlowKey.Ipv4(Be32(ip[12..]), Be32(ip[16..]), 0, 0, proto);
        }
        var rest = q[l4..];
        ushort sp = 0, dp = 0;
        if (proto is Ipv4.ProtoTcp or Ipv4.ProtoUdp or 132)
        {
            if (rest.Length < 4) return true;
            sp = (ushort)(rest[0] << 8 | rest[1]);
            dp = (ushort)(rest[2] << 8 | rest[3]);
        }
        else if (proto is Ipv4.ProtoIcmp or Ipv4.ProtoIcmpv6)
        {
            // A quoted echo request/reply is tracked by its identifier (as FlowKey does).
            if (rest.Length < 6) return true;
            if (rest[0] is Icmp.EchoRequest or Icmp.EchoReply or Icmp.V6EchoRequest or Icmp.V6EchoReply)
                sp = dp = (ushort)(rest[4] << 8 | rest[5]);
        }
        key = key with { SourcePort = sp, DestinationPort = dp };
        readable = true;
        return true;
    }

    private static uint Be32(ReadOnlySpan<byte> b) => (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
    private static ulong Be64(ReadOnlySpan<byte> b) => (ulong)Be32(b) << 32 | Be32(b[4..]);
}
