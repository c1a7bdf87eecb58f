using System.Buffers.Binary;
using static Switchboard.Sdk.Tests.Headers.Raw;

namespace Switchboard.Sdk.Tests.Headers;

public unsafe class ChecksumTests
{
    // Captured from the Linux kernel on loopback (checksums computed in software by the kernel):
    // an ICMP echo reply in IPv4 (IP checksum 0xb815, ICMP 0x8573) ...
    private static readonly byte[] KernelIcmpEchoReply = Convert.FromHexString(
        "000000000000000000000000080045000028c4bd00004001b8157f0000017f0000010000857312340001737769746368626f61726421");
    // ... and an ICMPv6 echo request ::1 -> ::1 (checksum 0xd42f over the IPv6 pseudo-header).
    private static readonly byte[] KernelIcmpv6EchoRequest = Convert.FromHexString(
        "00000000000000000000000086dd60012d2700143a4000000000000000000000000000000001000000000000000000000000000000018000d42f43210007737769746368626f61726421");

    [Test]
    public void Rfc1071_ExampleSum()
    {
        // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (after the end-around carry).
        byte[] data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        uint sum = Checksum.Sum(data);
        sum = (sum & 0xFFFF) + (sum >> 16);
        Assert.That(sum, Is.EqualTo(0xddf2));
        Assert.That(Checksum.Compute(data), Is.EqualTo(0x220d));
    }

    [Test]
    public void KnownIpv4Header()
    {
        // The classic example header 4500 0073 0000 4000 4011 [b861] c0a8 0001 c0a8 00c7.
        var h = Convert.FromHexString("450000730000400040110000c0a80001c0a800c7");
        Assert.That(Checksum.Compute(h), Is.EqualTo(0xb861));
    }

    [Test]
    public void KernelCapturedIcmp_VerifiesAndRecomputesIdentically()
    {
        Parser.With(KernelIcmpEchoReply, d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv4, HeaderKind.Icmp), Is.EqualTo(ParseStatus.Ok));
            var p = new Packet(d);
            Assert.That(p.IsIpv4HeaderChecksumValid(), Is.True);
            Assert.That(p.ComputeIpv4HeaderChecksum(), Is.EqualTo(0xb815));
            Assert.That(p.IsTransportChecksumValid(), Is.True);
            Assert.That(p.TryComputeTransportChecksum(out var cs) && cs == 0x8573, Is.True);
            p.Icmp.Checksum ^= 0x0100;
            Assert.That(p.IsTransportChecksumValid(), Is.False);
            p.Ipv4.Ttl--;
            Assert.That(p.IsIpv4HeaderChecksumValid(), Is.False);
        });
    }

    [Test]
    public void KernelCapturedIcmpv6_PseudoHeaderChecksumMatches()
    {
        Parser.With(KernelIcmpv6EchoRequest, d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv6, HeaderKind.Icmpv6), Is.EqualTo(ParseStatus.Ok));
            var p = new Packet(d);
            Assert.That(p.IsTransportChecksumValid(), Is.True);
            Assert.That(p.TryComputeTransportChecksum(out var cs) && cs == 0xd42f, Is.True);
        });
    }

    private static IEnumerable<TestCaseData> BuiltFrames()
    {
        var buf = new byte[256];
        int n = FrameBuilder.Ipv4Tcp(buf, 0xC0A80001, 0x08080808, 4321, 443, 7, 9, Tcp.Ack, Fill(13));
        yield return new TestCaseData(buf[..n], HeaderKind.Ipv4, HeaderKind.Tcp).SetName("Ipv4Tcp");
        n = FrameBuilder.Ipv4Udp(buf, 0xC0A80001, 0x08080808, 4321, 53, Fill(11));
        yield return new TestCaseData(buf[..n], HeaderKind.Ipv4, HeaderKind.Udp).SetName("Ipv4Udp");
        n = FrameBuilder.Ipv6Udp(buf, Src6, Dst6, 4321, 53, Fill(9));
        yield return new TestCaseData(buf[..n], HeaderKind.Ipv6, HeaderKind.Udp).SetName("Ipv6Udp");
        n = FrameBuilder.Ipv4IcmpEcho(buf, 1, 2, Icmp.EchoRequest, 77, 1, Fill(5));
        yield return new TestCaseData(buf[..n], HeaderKind.Ipv4, HeaderKind.Icmp).SetName("Ipv4Icmp");
        // IPv6 TCP behind extension headers: the pseudo-header length excludes them.
        var tcp = Raw.Tcp(options: [2, 4, 5, 0xB4]);
        yield return new TestCaseData(Cat(V6(Ipv6.ExtHopByHop, Cat(Ext(Ipv6.ExtRouting), Ext(Ipv4.ProtoTcp)), Cat(tcp, Fill(3)))), HeaderKind.Ipv6, HeaderKind.Tcp)
            .SetName("Ipv6TcpWithExtensions");
    }

    [TestCaseSource(nameof(BuiltFrames))]
    public void TransportChecksum_MatchesIndependentReference(byte[] frame, HeaderKind ip, HeaderKind l4)
    {
        Parser.With(Cat(frame, new byte[9]), d => // trailing link padding must not be covered
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, ip, l4), Is.EqualTo(ParseStatus.Ok));
            var p = new Packet(d);
            int off = p.OffsetOf(l4);
            var seg = p.Data[off..(p.Length - 9)].ToArray();
            int csOff = l4 switch { HeaderKind.Tcp => 16, HeaderKind.Udp => 6, _ => 2 };
            seg[csOff] = seg[csOff + 1] = 0;
            uint pseudo = 0;
            byte proto = (byte)(l4 switch { HeaderKind.Tcp => 6, HeaderKind.Udp => 17, _ => 1 });
            if (ip == HeaderKind.Ipv4 && l4 != HeaderKind.Icmp)
            {
                var h = p.HeaderBytes(HeaderKind.Ipv4);
                pseudo = (uint)(h[12] << 8 | h[13]) + (uint)(h[14] << 8 | h[15]) + (uint)(h[16] << 8 | h[17]) + (uint)(h[18] << 8 | h[19]) + proto + (uint)seg.Length;
            }
            else if (ip == HeaderKind.Ipv6)
            {
                var h = p.HeaderBytes(HeaderKind.Ipv6);
                for (int i = 8; i < 40; i += 2) pseudo += (uint)(h[i] << 8 | h[i + 1]);
                pseudo += proto + (uint)seg.Length;
            }
            ushort expected = Reference.Checksum(seg, pseudo);
            if (l4 == HeaderKind.Udp && expected == 0) expected = 0xFFFF;
            Assert.That(p.TryComputeTransportChecksum(out var cs), Is.True);
            Assert.That(cs, Is.EqualTo(expected));
            Assert.That(p.TryRecomputeTransportChecksum(), Is.True);
            Assert.That(p.IsTransportChecksumValid(), Is.True);
            p.Data[off + seg.Length - 1] ^= 0x5A;
            Assert.That(p.IsTransportChecksumValid(), Is.False);
        });
    }

    [Test]
    public void Udp_ZeroChecksumIsValidOverIpv4ButNotIpv6()
    {
        Parser.With(V4Udp(), d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv4, HeaderKind.Udp), Is.EqualTo(ParseStatus.Ok));
            Assert.That(new Packet(d).IsTransportChecksumValid(), Is.True);
        });
        Parser.With(V6(Ipv4.ProtoUdp, [], Udp(1, 2, 0)), d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv6, HeaderKind.Udp), Is.EqualTo(ParseStatus.Ok));
            Assert.That(new Packet(d).IsTransportChecksumValid(), Is.False);
        });
    }

    [Test]
    public void Fragments_CannotBeComputed()
    {
        Parser.With(V4Udp(flagsFragment: 0x2000), d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv4, HeaderKind.Udp), Is.EqualTo(ParseStatus.Ok));
            var p = new Packet(d);
            Assert.That(p.TryComputeTransportChecksum(out _), Is.False);
            Assert.That(p.TryRecomputeTransportChecksum(), Is.False);
        });
        Parser.With(V4Udp(), d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv4), Is.EqualTo(ParseStatus.Ok));
            Assert.That(new Packet(d).TryComputeTransportChecksum(out _), Is.False, "no transport header parsed");
        });
    }

    [Test]
    public void Sum_MatchesReferenceForAnyLengthAndAlignment()
    {
        var rng = new Random(1071);
        for (int i = 0; i < 500; i++)
        {
            var data = new byte[rng.Next(0, 200)];
            rng.NextBytes(data);
            Assert.That(Checksum.Compute(data), Is.EqualTo(data.Length == 0 ? 0xFFFF : Reference.Checksum(data)), $"length {data.Length}");
        }
    }

    [Test]
    public void IncrementalUpdate_EqualsFullRecompute_Ipv4Header()
    {
        var rng = new Random(1624);
        var h = Ip4(Ipv4.ProtoTcp, 100, options: [0x94, 4, 0, 0]);
        for (int i = 0; i < 5000; i++)
        {
            ushort cs = BinaryPrimitives.ReadUInt16BigEndian(h.AsSpan(10));
            switch (rng.Next(4))
            {
                case 0: // one byte: TTL (even offset 8), protocol (odd 9) or TOS (odd 1)
                {
                    int off = rng.Next(3) switch { 0 => 8, 1 => 9, _ => 1 };
                    byte nv = (byte)rng.Next(256);
                    cs = Checksum.UpdateByte(cs, off, h[off], nv);
                    h[off] = nv;
                    break;
                }
                case 1: // a 16-bit field: id, total length or flags/fragment
                {
                    int off = rng.Next(3) switch { 0 => 4, 1 => 2, _ => 6 };
                    ushort nv = (ushort)rng.Next(65536), ov = BinaryPrimitives.ReadUInt16BigEndian(h.AsSpan(off));
                    cs = Checksum.Update(cs, ov, nv);
                    BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(off), nv);
                    break;
                }
                default: // an address
                {
                    int off = rng.Next(2) == 0 ? 12 : 16;
                    uint nv = (uint)rng.NextInt64(0, 1L << 32), ov = BinaryPrimitives.ReadUInt32BigEndian(h.AsSpan(off));
                    if (rng.Next(8) == 0) nv = ov; // unchanged values too
                    cs = Checksum.Update(cs, ov, nv);
                    BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(off), nv);
                    break;
                }
            }
            BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(10), cs);
            var zeroed = (byte[])h.Clone();
            zeroed[10] = zeroed[11] = 0;
            Assert.That(cs, Is.EqualTo(Reference.Checksum(zeroed)), $"iteration {i}");
        }
    }

    [Test]
    public void IncrementalUpdate_EqualsFullRecompute_TcpWithPseudoHeader()
    {
        var rng = new Random(793);
        Parser.With(V4Tcp(tcpOptions: [2, 4, 5, 0xB4], payload: 17), d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv4, HeaderKind.Tcp), Is.EqualTo(ParseStatus.Ok));
            var p = new Packet(d);
            Assert.That(p.TryRecomputeTransportChecksum(), Is.True);
            for (int i = 0; i < 3000; i++)
            {
                ref var t = ref p.Tcp;
                switch (rng.Next(4))
                {
                    case 0:
                    {
                        ushort nv = (ushort)rng.Next(65536);
                        t.Checksum = Checksum.Update(t.Checksum, t.SourcePort, nv);
                        t.SourcePort = nv;
                        break;
                    }
                    case 1:
                    {
                        uint nv = (uint)rng.NextInt64(0, 1L << 32);
                        t.Checksum = Checksum.Update(t.Checksum, t.SequenceNumber, nv);
                        t.SequenceNumber = nv;
                        break;
                    }
                    case 2: // NAT: the address is in the pseudo-header, so both checksums change
                    {
                        uint nv = (uint)rng.NextInt64(0, 1L << 32);
                        t.Checksum = Checksum.Update(t.Checksum, p.Ipv4.Source, nv);
                        p.Ipv4.Checksum = Checksum.Update(p.Ipv4.Checksum, p.Ipv4.Source, nv);
                        p.Ipv4.Source = nv;
                        break;
                    }
                    default:
                    {
                        byte nv = (byte)rng.Next(256);
                        t.Checksum = Checksum.UpdateByte(t.Checksum, 13, t.Flags, nv);
                        t.Flags = nv;
                        break;
                    }
                }
                Assert.That(p.TryComputeTransportChecksum(out var full), Is.True);
                Assert.That(t.Checksum, Is.EqualTo(full), $"iteration {i}");
                Assert.That(p.IsIpv4HeaderChecksumValid(), Is.True);
            }
        });
    }
}
