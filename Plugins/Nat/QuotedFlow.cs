using System.Buffers.Binary;
using Switchboard.Sdk;

namespace Switchboard.Plugins.Nat;

/// <summary>The flow of the datagram quoted in an ICMPv4 error (its IP header and first 8 transport bytes).</summary>
internal readonly struct QuotedFlow
{
    public readonly uint Source, Destination;
    public readonly ushort SourcePort, DestinationPort;
    public readonly byte Protocol;

    private QuotedFlow(byte proto, uint src, uint dst, ushort sp, ushort dp)
    {
        Protocol = proto; Source = src; Destination = dst; SourcePort = sp; DestinationPort = dp;
    }

    public static bool IsError(byte icmpType) => icmpType is Icmp.DestinationUnreachable or Icmp.TimeExceeded or 12 or 4 or 5;

    /// <summary>False when the quote is missing, too short, a non-first fragment, or of a protocol NAT does not translate.
    /// Echo messages give their identifier as both ports.</summary>
    public static bool TryRead(Packet p, out QuotedFlow flow)
    {
        flow = default;
        var header = p.IcmpQuotedIpHeader;
        if (header.IsEmpty) return false;
        var q = p.IcmpQuotedPacket;
        int ihl = header.Length;
        if (q.Length < ihl + 8 || (BinaryPrimitives.ReadUInt16BigEndian(q[6..]) & 0x1FFF) != 0) return false;
        byte proto = q[9];
        uint src = BinaryPrimitives.ReadUInt32BigEndian(q[12..]), dst = BinaryPrimitives.ReadUInt32BigEndian(q[16..]);
        var l4 = q[ihl..];
        switch (proto)
        {
            case Ipv4.ProtoTcp or Ipv4.ProtoUdp:
                flow = new(proto, src, dst, BinaryPrimitives.ReadUInt16BigEndian(l4), BinaryPrimitives.ReadUInt16BigEndian(l4[2..]));
                return true;
            case Ipv4.ProtoIcmp when l4[0] is Icmp.EchoRequest or Icmp.EchoReply:
                ushort id = BinaryPrimitives.ReadUInt16BigEndian(l4[4..]);
                flow = new(proto, src, dst, id, id);
                return true;
            default:
                return false;
        }
    }
}
