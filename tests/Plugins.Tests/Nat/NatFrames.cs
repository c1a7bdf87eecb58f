using System.Buffers.Binary;
using System.Text.Json;
using Switchboard.Sdk;
using Switchboard.Sdk.Tests.Support;

namespace Switchboard.Plugins.Tests.Nat;

/// <summary>Frames, field readers and checksum checks for the NAT tests (IPv4 without options).</summary>
internal static unsafe class NatFrames
{
    public static NfConfig Config(string json, string nf = "nat") => new(JsonDocument.Parse(json).RootElement.Clone(), $"$.nfs.{nf}.config");

    public static string Src(byte[] f) => Ipv4.Format(BinaryPrimitives.ReadUInt32BigEndian(f.AsSpan(26)));
    public static string Dst(byte[] f) => Ipv4.Format(BinaryPrimitives.ReadUInt32BigEndian(f.AsSpan(30)));
    public static ushort SrcPort(byte[] f) => BinaryPrimitives.ReadUInt16BigEndian(f.AsSpan(34));
    public static ushort DstPort(byte[] f) => BinaryPrimitives.ReadUInt16BigEndian(f.AsSpan(36));
    public static ushort IcmpId(byte[] f) => BinaryPrimitives.ReadUInt16BigEndian(f.AsSpan(38));
    public static ushort UdpChecksum(byte[] f) => BinaryPrimitives.ReadUInt16BigEndian(f.AsSpan(40));

    public static byte[] Echo(string src, string dst, byte type, ushort id, ushort seq = 1)
    {
        var buf = new byte[256];
        int n = FrameBuilder.Ipv4IcmpEcho(buf, Ipv4.Address(src), Ipv4.Address(dst), type, id, seq, [1, 2, 3, 4, 5, 6, 7, 8]);
        return buf[..n];
    }

    /// <summary>An ICMP error (e.g. type 3 code 3, port unreachable) from <paramref name="src"/> to <paramref name="dst"/>,
    /// quoting the IP datagram of <paramref name="offending"/> (cut to <paramref name="quoteBytes"/> bytes if given).</summary>
    public static byte[] IcmpError(string src, string dst, byte type, byte code, byte[] offending, int quoteBytes = int.MaxValue)
    {
        var quote = offending.AsSpan(Ethernet.Size, Math.Min(quoteBytes, offending.Length - Ethernet.Size));
        var buf = new byte[Ethernet.Size + Ipv4.MinSize + Icmp.Size + quote.Length];
        var l4 = FrameBuilder.WriteEthIpv4(buf, Ipv4.Address(src), Ipv4.Address(dst), Ipv4.ProtoIcmp, Ipv4.MinSize + Icmp.Size + quote.Length);
        l4[0] = type;
        l4[1] = code;
        quote.CopyTo(l4[Icmp.Size..]);
        BinaryPrimitives.WriteUInt16BigEndian(l4[2..], Checksum.Compute(l4));
        return buf;
    }

    /// <summary>The datagram quoted by an ICMP error frame, as an Ethernet frame of its own (to check it like any packet).</summary>
    public static byte[] Quoted(byte[] icmpError)
    {
        var q = icmpError.AsSpan(Ethernet.Size + Ipv4.MinSize + Icmp.Size);
        var f = new byte[Ethernet.Size + q.Length];
        icmpError.AsSpan(0, Ethernet.Size).CopyTo(f);
        q.CopyTo(f.AsSpan(Ethernet.Size));
        return f;
    }

    /// <summary>Parse the frame (Ethernet, IPv4, its transport) and check the IPv4 and transport checksums.</summary>
    public static (bool Ip, bool Transport) Checksums(byte[] frame)
    {
        var d = TestPool.Make(frame);
        try
        {
            Assert.That(HeaderParser.Parse(d, HeaderKind.Ethernet), Is.EqualTo(ParseStatus.Ok));
            Assert.That(HeaderParser.Parse(d, HeaderKind.Ipv4), Is.EqualTo(ParseStatus.Ok));
            var p = new Packet(d);
            var l4 = p.IpProtocol switch { Ipv4.ProtoTcp => HeaderKind.Tcp, Ipv4.ProtoUdp => HeaderKind.Udp, _ => HeaderKind.Icmp };
            Assert.That(HeaderParser.Parse(d, l4), Is.EqualTo(ParseStatus.Ok));
            return (p.IsIpv4HeaderChecksumValid(), p.IsTransportChecksumValid());
        }
        finally { TestPool.Free(d); }
    }

    public static void AssertChecksumsValid(byte[] frame, string what)
    {
        var (ip, l4) = Checksums(frame);
        Assert.That(ip, Is.True, $"{what}: IPv4 header checksum");
        Assert.That(l4, Is.True, $"{what}: transport checksum");
    }
}
