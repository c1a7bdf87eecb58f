using System.Buffers.Binary;
using Switchboard.Sdk.Tests.Support;

namespace Switchboard.Sdk.Tests.Streams;

/// <summary>A TCP segment read back from captured bytes, with its checksums verified independently.</summary>
internal sealed record Segment(uint Seq, uint Ack, byte Flags, byte[] Payload, bool IpChecksumOk, bool TcpChecksumOk, int IpTotalOrPayloadLength, ushort IpId)
{
    public static Segment ParseIpv4(byte[] frame)
    {
        var ip = frame.AsSpan(Ethernet.Size);
        int ihl = (ip[0] & 0xF) * 4;
        int total = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        var tcp = ip[ihl..total];
        uint pseudo = Checksum.PseudoHeaderV4(BinaryPrimitives.ReadUInt32BigEndian(ip[12..]), BinaryPrimitives.ReadUInt32BigEndian(ip[16..]), Ipv4.ProtoTcp, tcp.Length);
        return Read(tcp, Checksum.Compute(ip[..ihl]) == 0, Checksum.Fold(Checksum.Sum(tcp, pseudo)) == 0, total, BinaryPrimitives.ReadUInt16BigEndian(ip[4..]));
    }

    public static Segment ParseIpv6(byte[] frame)
    {
        var ip = frame.AsSpan(Ethernet.Size);
        int payload = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]);
        var tcp = ip[Ipv6.Size..(Ipv6.Size + payload)];
        var src = System.Runtime.InteropServices.MemoryMarshal.Read<Ipv6Address>(ip[8..]);
        var dst = System.Runtime.InteropServices.MemoryMarshal.Read<Ipv6Address>(ip[24..]);
        uint pseudo = Checksum.PseudoHeaderV6(src, dst, Ipv4.ProtoTcp, tcp.Length);
        return Read(tcp, true, Checksum.Fold(Checksum.Sum(tcp, pseudo)) == 0, payload, 0);
    }

    private static Segment Read(ReadOnlySpan<byte> tcp, bool ipOk, bool tcpOk, int len, ushort id) =>
        new(BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]), BinaryPrimitives.ReadUInt32BigEndian(tcp[8..]), tcp[13],
            tcp[((tcp[12] >> 4) * 4)..].ToArray(), ipOk, tcpOk, len, id);

    /// <summary>An Ethernet + IPv6 + TCP frame (FrameBuilder has no IPv6 TCP writer).</summary>
    public static byte[] Ipv6Tcp(Ipv6Address src, Ipv6Address dst, ushort sport, ushort dport, uint seq, uint ack, byte flags, byte[] payload)
    {
        var f = new byte[Ethernet.Size + Ipv6.Size + Tcp.MinSize + payload.Length];
        FrameBuilder.WriteEthernet(f, Ethernet.TypeIpv6);
        var ip = f.AsSpan(Ethernet.Size);
        BinaryPrimitives.WriteUInt32BigEndian(ip, 6u << 28);
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(Tcp.MinSize + payload.Length));
        ip[6] = Ipv4.ProtoTcp;
        ip[7] = 64;
        System.Runtime.InteropServices.MemoryMarshal.Write(ip[8..], in src);
        System.Runtime.InteropServices.MemoryMarshal.Write(ip[24..], in dst);
        var tcp = ip[Ipv6.Size..];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, sport);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], dport);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], seq);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], ack);
        tcp[12] = 0x50;
        tcp[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], 1000);
        payload.CopyTo(tcp[Tcp.MinSize..]);
        uint pseudo = Checksum.PseudoHeaderV6(src, dst, Ipv4.ProtoTcp, Tcp.MinSize + payload.Length);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], Checksum.Fold(Checksum.Sum(tcp, pseudo)));
        return f;
    }

    /// <summary>Whether a fresh Ethernet/IPv4/TCP parse chain accepts every frame.</summary>
    public static bool AllParseAsIpv4Tcp(IEnumerable<byte[]> frames)
    {
        var h = new GraphHarness();
        var cap = h.Capture(h.Input.Parse<Ethernet>().Parse<Ipv4>().Parse<Tcp>());
        var list = frames.ToArray();
        h.Push(list);
        return cap.Packets.Count == list.Length && h.InUseDelta == 0;
    }
}
