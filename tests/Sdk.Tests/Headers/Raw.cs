using System.Buffers.Binary;
using Switchboard.Sdk.Tests.Support;

namespace Switchboard.Sdk.Tests.Headers;

/// <summary>Byte-level frame pieces for header tests, including shapes FrameBuilder does not make
/// (VLAN tags, IPv4 options, IPv6 extension headers, TCP options, ICMP errors).</summary>
internal static class Raw
{
    public static readonly byte[] DstMac = [0x02, 0, 0, 0, 0, 0x02];
    public static readonly byte[] SrcMac = [0x02, 0, 0, 0, 0, 0x01];

    public static byte[] Cat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>Ethernet header; each tag is (TPID, TCI) inserted before the final EtherType.</summary>
    public static byte[] Eth(ushort etherType, params (ushort Tpid, ushort Tci)[] tags)
    {
        var b = new List<byte>(DstMac.Concat(SrcMac));
        foreach (var (tpid, tci) in tags) { b.AddRange(U16(tpid)); b.AddRange(U16(tci)); }
        b.AddRange(U16(etherType));
        return [.. b];
    }

    /// <summary>IPv4 header with options (padded by the caller to a multiple of 4) and a correct checksum.</summary>
    public static byte[] Ip4(byte proto, int payloadLength, byte[]? options = null, ushort flagsFragment = 0,
        uint src = 0x0A000001, uint dst = 0x0A000002, byte ttl = 64, ushort id = 0x1234)
    {
        options ??= [];
        int ihl = 20 + options.Length;
        var h = new byte[ihl];
        h[0] = (byte)(0x40 | ihl / 4);
        h[1] = 0x2E;
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(2), (ushort)(ihl + payloadLength));
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(6), flagsFragment);
        h[8] = ttl; h[9] = proto;
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(12), src);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(16), dst);
        options.CopyTo(h, 20);
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(10), Reference.Checksum(h));
        return h;
    }

    public static readonly Ipv6Address Src6 = Ipv6Address.Parse("2001:db8::1");
    public static readonly Ipv6Address Dst6 = Ipv6Address.Parse("2001:db8::2");

    /// <summary>IPv6 fixed header; <paramref name="payloadLength"/> counts extension headers too.</summary>
    public static byte[] Ip6(byte next, int payloadLength, byte hopLimit = 64)
    {
        var h = new byte[40];
        BinaryPrimitives.WriteUInt32BigEndian(h, 0x6A812345); // version 6, class 0xA8, flow 0x12345
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(4), (ushort)payloadLength);
        h[6] = next; h[7] = hopLimit;
        BinaryPrimitives.WriteUInt64BigEndian(h.AsSpan(8), Src6.High);
        BinaryPrimitives.WriteUInt64BigEndian(h.AsSpan(16), Src6.Low);
        BinaryPrimitives.WriteUInt64BigEndian(h.AsSpan(24), Dst6.High);
        BinaryPrimitives.WriteUInt64BigEndian(h.AsSpan(32), Dst6.Low);
        return h;
    }

    /// <summary>An extension header in the 8-octet-unit format (hop-by-hop, routing, destination options): 8 × <paramref name="units"/> bytes.</summary>
    public static byte[] Ext(byte next, int units = 1)
    {
        var h = new byte[8 * units];
        h[0] = next; h[1] = (byte)(units - 1);
        if (h.Length > 2) { h[2] = 1; h[3] = (byte)(h.Length - 4); } // a PadN option filling the rest
        return h;
    }

    /// <summary>An IPv6 fragment header; <paramref name="offset"/> in bytes (multiple of 8).</summary>
    public static byte[] Frag(byte next, int offset, bool more, uint id = 0xABCDEF01)
    {
        var h = new byte[8];
        h[0] = next;
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(2), (ushort)(offset | (more ? 1 : 0)));
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(4), id);
        return h;
    }

    /// <summary>An authentication header with <paramref name="icvBytes"/> of ICV (length field = total/4 - 2).</summary>
    public static byte[] Ah(byte next, int icvBytes = 12)
    {
        var h = new byte[12 + icvBytes];
        h[0] = next; h[1] = (byte)(h.Length / 4 - 2);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(4), 0x100); // SPI
        return h;
    }

    /// <summary>TCP header with options (padded by the caller to a multiple of 4).</summary>
    public static byte[] Tcp(ushort sport = 1234, ushort dport = 80, byte[]? options = null, byte flags = Sdk.Tcp.Syn,
        uint seq = 0x01020304, uint ack = 0x0A0B0C0D)
    {
        options ??= [];
        var h = new byte[20 + options.Length];
        BinaryPrimitives.WriteUInt16BigEndian(h, sport);
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(2), dport);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(4), seq);
        BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(8), ack);
        h[12] = (byte)(h.Length / 4 << 4);
        h[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(14), 0xFAF0);
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(18), 0x0007);
        options.CopyTo(h, 20);
        return h;
    }

    public static byte[] Udp(ushort sport, ushort dport, int payloadLength)
    {
        var h = new byte[8];
        BinaryPrimitives.WriteUInt16BigEndian(h, sport);
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(2), dport);
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(4), (ushort)(8 + payloadLength));
        return h;
    }

    public static byte[] Icmp(byte type, byte code, ushort id, ushort seq)
    {
        var h = new byte[8];
        h[0] = type; h[1] = code;
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(6), seq);
        return h;
    }

    public static byte[] U16(ushort v) => [(byte)(v >> 8), (byte)v];

    /// <summary>Ethernet + IPv4 + TCP with the given options and payload.</summary>
    public static byte[] V4Tcp(byte[]? ipOptions = null, byte[]? tcpOptions = null, int payload = 0)
    {
        var tcp = Tcp(options: tcpOptions);
        return Cat(Eth(Ethernet.TypeIpv4), Ip4(Ipv4.ProtoTcp, tcp.Length + payload, ipOptions), tcp, new byte[payload]);
    }

    /// <summary>Ethernet + IPv4 + UDP.</summary>
    public static byte[] V4Udp(int payload = 4, ushort flagsFragment = 0) =>
        Cat(Eth(Ethernet.TypeIpv4), Ip4(Ipv4.ProtoUdp, 8 + payload, flagsFragment: flagsFragment), Udp(5000, 53, payload), Fill(payload));

    /// <summary>Ethernet + IPv6 + <paramref name="exts"/> (already chained) + TCP.</summary>
    public static byte[] V6(byte firstNext, byte[] exts, byte[] l4) =>
        Cat(Eth(Ethernet.TypeIpv6), Ip6(firstNext, exts.Length + l4.Length), exts, l4);

    public static byte[] Fill(int n) => Enumerable.Range(0, n).Select(i => (byte)(i * 7 + 1)).ToArray();
}

/// <summary>An independent, obviously-correct Internet checksum to compare the Sdk against.</summary>
internal static class Reference
{
    public static ushort Checksum(ReadOnlySpan<byte> data, uint start = 0)
    {
        long sum = start;
        for (int i = 0; i < data.Length; i += 2)
            sum += (data[i] << 8) + (i + 1 < data.Length ? data[i + 1] : 0);
        while (sum > 0xFFFF) sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }
}

/// <summary>Parses a descriptor directly, without a graph.</summary>
internal static unsafe class Parser
{
    /// <summary>Parse <paramref name="kinds"/> in order; the first failure's status, or Ok.</summary>
    public static ParseStatus Run(PacketDesc* d, params HeaderKind[] kinds)
    {
        foreach (var k in kinds)
        {
            var s = HeaderParser.Parse(d, k);
            if (s != ParseStatus.Ok) return s;
        }
        return ParseStatus.Ok;
    }

    /// <summary>Make a packet from <paramref name="frame"/>, run <paramref name="body"/> on it, free it.</summary>
    public static void With(byte[] frame, WithDesc body)
    {
        var d = TestPool.Make(frame);
        try { body(d); }
        finally { TestPool.Free(d); }
    }
}

internal unsafe delegate void WithDesc(PacketDesc* d);
