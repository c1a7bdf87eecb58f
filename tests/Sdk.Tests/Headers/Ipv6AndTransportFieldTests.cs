using System.Buffers.Binary;
using static Switchboard.Sdk.Tests.Headers.Raw;

namespace Switchboard.Sdk.Tests.Headers;

public unsafe class Ipv6AndTransportFieldTests
{
    [Test]
    public void Ipv6_FieldsReadAndWriteInNetworkOrder()
    {
        Parser.With(V6(Ipv4.ProtoUdp, [], Udp(1000, 2000, 0)), d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv6, HeaderKind.Udp), Is.EqualTo(ParseStatus.Ok));
            var p = new Packet(d);
            ref var ip = ref p.Ipv6;
            Assert.That(ip.Version, Is.EqualTo(6));
            Assert.That(ip.TrafficClass, Is.EqualTo(0xA8));
            Assert.That(ip.FlowLabel, Is.EqualTo(0x12345));
            Assert.That(ip.PayloadLength, Is.EqualTo(8));
            Assert.That(ip.NextHeader, Is.EqualTo(Ipv4.ProtoUdp));
            Assert.That(ip.HopLimit, Is.EqualTo(64));
            Assert.That(ip.Source.ToString(), Is.EqualTo("2001:db8::1"));
            Assert.That(ip.Destination, Is.EqualTo(Dst6));
            Assert.That(ip.Source.High, Is.EqualTo(0x20010DB800000000UL));
            Assert.That(ip.Source.Low, Is.EqualTo(1UL));
            ip.PayloadLength = 0x0A0B;
            ip.SetVersionClassFlow(0x12, 0xFEDCB);
            ip.HopLimit = 3;
            Assert.That(p.Data.Slice(14, 8).ToArray(), Is.EqualTo(new byte[] { 0x61, 0x2F, 0xED, 0xCB, 0x0A, 0x0B, 17, 3 }));
        });
    }

    private static IEnumerable<TestCaseData> ExtensionChains()
    {
        yield return new TestCaseData(Ipv6.ExtHopByHop, Ext(Ipv4.ProtoTcp), 8).SetName("HopByHop");
        yield return new TestCaseData(Ipv6.ExtRouting, Ext(Ipv4.ProtoTcp, 3), 24).SetName("Routing");
        yield return new TestCaseData(Ipv6.ExtDestinationOptions, Ext(Ipv4.ProtoTcp, 2), 16).SetName("DestinationOptions");
        yield return new TestCaseData(Ipv6.ExtFragment, Frag(Ipv4.ProtoTcp, 0, true), 8).SetName("FirstFragment");
        yield return new TestCaseData(Ipv6.ExtAuthentication, Ah(Ipv4.ProtoTcp), 24).SetName("Authentication");
        yield return new TestCaseData(Ipv6.ExtHopByHop,
            // hop-by-hop -> dest opts -> routing -> atomic fragment -> AH -> dest opts -> TCP (each piece names the next)
            Cat(Ext(Ipv6.ExtDestinationOptions), Ext(Ipv6.ExtRouting, 2), Ext(Ipv6.ExtFragment), Frag(Ipv6.ExtAuthentication, 0, false),
                Ah(Ipv6.ExtDestinationOptions, 4), Ext(Ipv4.ProtoTcp)),
            8 + 16 + 8 + 8 + 16 + 8).SetName("AllKindsChained");
    }

    [TestCaseSource(nameof(ExtensionChains))]
    public void Ipv6_ExtensionHeadersAreSkipped(byte first, byte[] exts, int extLength)
    {
        var tcp = Tcp(sport: 4242);
        Parser.With(V6(first, exts, tcp), d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv6, HeaderKind.Tcp), Is.EqualTo(ParseStatus.Ok));
            var p = new Packet(d);
            Assert.That(p.HeaderBytes(HeaderKind.Ipv6).Length, Is.EqualTo(40 + extLength));
            Assert.That(p.IpProtocol, Is.EqualTo(Ipv4.ProtoTcp));
            Assert.That(p.Ipv6.NextHeader, Is.EqualTo(first));
            Assert.That(p.Tcp.SourcePort, Is.EqualTo(4242));
            Assert.That(p.OffsetOf(HeaderKind.Tcp), Is.EqualTo(14 + 40 + extLength));
            Assert.That(p.IsFragment, Is.EqualTo(first == Ipv6.ExtFragment), "only a real (non-atomic) fragment header marks a fragment");
        });
    }

    [Test]
    public void Ipv6_NonFirstFragmentStopsAtFragmentHeader()
    {
        // The bytes after a non-first fragment header are the middle of the datagram, even if they look like headers.
        Parser.With(V6(Ipv6.ExtFragment, Frag(Ipv6.ExtDestinationOptions, 1448, true), Ext(Ipv4.ProtoTcp)), d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv6), Is.EqualTo(ParseStatus.Ok));
            var p = new Packet(d);
            Assert.That(p.HeaderBytes(HeaderKind.Ipv6).Length, Is.EqualTo(48));
            Assert.That(p.IpProtocol, Is.EqualTo(Ipv6.ExtDestinationOptions));
            Assert.That(p.IsNonFirstFragment, Is.True);
        });
        Parser.With(V6(Ipv6.ExtFragment, Frag(Ipv4.ProtoTcp, 1448, false), Tcp()), d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv6), Is.EqualTo(ParseStatus.Ok));
            Assert.That(new Packet(d).IsFragment, Is.True, "the last fragment (M clear, offset set) is a fragment");
            Assert.That(HeaderParser.Parse(d, HeaderKind.Tcp), Is.EqualTo(ParseStatus.Fragment));
        });
    }

    [Test]
    public void Ipv6_NoNextHeaderAndZeroPayloadWithPaddingParse()
    {
        Parser.With(Cat(Eth(Ethernet.TypeIpv6), Ip6(Ipv6.NoNextHeader, 0), new byte[6]), d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv6), Is.EqualTo(ParseStatus.Ok));
            var p = new Packet(d);
            Assert.That(p.Payload.Length, Is.Zero, "padding after an empty IPv6 datagram is not payload");
            Assert.That(p.IpProtocol, Is.EqualTo(Ipv6.NoNextHeader));
        });
    }

    [Test]
    public void Tcp_FieldsReadAndWriteInNetworkOrder()
    {
        Parser.With(V4Tcp(payload: 3), d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv4, HeaderKind.Tcp), Is.EqualTo(ParseStatus.Ok));
            var p = new Packet(d);
            ref var t = ref p.Tcp;
            Assert.That(t.SourcePort, Is.EqualTo(1234));
            Assert.That(t.DestinationPort, Is.EqualTo(80));
            Assert.That(t.SequenceNumber, Is.EqualTo(0x01020304u));
            Assert.That(t.AckNumber, Is.EqualTo(0x0A0B0C0Du));
            Assert.That(t.HeaderLength, Is.EqualTo(20));
            Assert.That(t.HasFlag(Tcp.Syn) && !t.HasFlag(Tcp.Ack), Is.True);
            Assert.That(t.Window, Is.EqualTo(0xFAF0));
            Assert.That(t.UrgentPointer, Is.EqualTo(7));
            Assert.That(p.Payload.Length, Is.EqualTo(3));
            t.SequenceNumber = 0xDEADBEEF;
            t.DestinationPort = 0x1F90;
            t.Window = 0x0102;
            t.Flags = Tcp.Fin | Tcp.Ack;
            var raw = p.Data[34..];
            Assert.That(raw[2..8].ToArray(), Is.EqualTo(new byte[] { 0x1F, 0x90, 0xDE, 0xAD, 0xBE, 0xEF }));
            Assert.That(raw[13], Is.EqualTo(0x11));
            Assert.That(raw[14..16].ToArray(), Is.EqualTo(new byte[] { 1, 2 }));
        });
    }

    [Test]
    public void Udp_FieldsReadAndWriteInNetworkOrder()
    {
        Parser.With(V4Udp(payload: 10), d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv4, HeaderKind.Udp), Is.EqualTo(ParseStatus.Ok));
            var p = new Packet(d);
            Assert.That(p.Udp.SourcePort, Is.EqualTo(5000));
            Assert.That(p.Udp.DestinationPort, Is.EqualTo(53));
            Assert.That(p.Udp.Length, Is.EqualTo(18));
            p.Udp.SourcePort = 0xABCD;
            p.Udp.Checksum = 0x0102;
            Assert.That(BinaryPrimitives.ReadUInt16BigEndian(p.Data[34..]), Is.EqualTo(0xABCD));
            Assert.That(p.Data[40], Is.EqualTo(1));
            Assert.That(p.Payload.Length, Is.EqualTo(10));
        });
    }

    [Test]
    public void Icmp_EchoFieldsReadAndWrite()
    {
        var frame = Cat(Eth(Ethernet.TypeIpv4), Ip4(Ipv4.ProtoIcmp, 8 + 4), Icmp(Sdk.Icmp.EchoRequest, 0, 0x1357, 9), Fill(4));
        Parser.With(frame, d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv4, HeaderKind.Icmp), Is.EqualTo(ParseStatus.Ok));
            var p = new Packet(d);
            Assert.That(p.Icmp.Type, Is.EqualTo(Sdk.Icmp.EchoRequest));
            Assert.That(p.Icmp.Identifier, Is.EqualTo(0x1357));
            Assert.That(p.Icmp.SequenceNumber, Is.EqualTo(9));
            Assert.That(p.IcmpQuotedPacket.IsEmpty && p.IcmpQuotedIpHeader.IsEmpty, Is.True, "an echo is not an error message");
            p.Icmp.SequenceNumber = 0x0A0B;
            Assert.That(p.Data.Slice(34 + 6, 2).ToArray(), Is.EqualTo(new byte[] { 0x0A, 0x0B }));
        });
    }

    [Test]
    public void Icmp_ErrorQuotesTheOffendingIpv4Header()
    {
        var quotedIp = Ip4(Ipv4.ProtoUdp, 8, options: [1, 1, 1, 0], src: 0x0A000002, dst: 0x08080808);
        var quote = Cat(quotedIp, Udp(33434, 53, 0));
        var frame = Cat(Eth(Ethernet.TypeIpv4), Ip4(Ipv4.ProtoIcmp, 8 + quote.Length), Icmp(Sdk.Icmp.TimeExceeded, 0, 0, 0), quote, new byte[5]);
        Parser.With(frame, d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv4, HeaderKind.Icmp), Is.EqualTo(ParseStatus.Ok));
            var p = new Packet(d);
            Assert.That(p.IcmpQuotedPacket.ToArray(), Is.EqualTo(quote), "padding after the datagram is not quoted");
            Assert.That(p.IcmpQuotedIpHeader.ToArray(), Is.EqualTo(quotedIp));
        });
    }

    [Test]
    public void Icmpv6_ErrorQuotesTheOffendingIpv6Header()
    {
        var quoted = Cat(Ip6(Ipv4.ProtoUdp, 8), Udp(1, 2, 0));
        var frame = V6(Ipv4.ProtoIcmpv6, [], Cat(Icmp(1, 4, 0, 0), quoted)); // destination unreachable, port unreachable
        Parser.With(frame, d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv6, HeaderKind.Icmpv6), Is.EqualTo(ParseStatus.Ok));
            var p = new Packet(d);
            Assert.That(p.Icmpv6.Type, Is.EqualTo(1));
            Assert.That(p.IcmpQuotedPacket.ToArray(), Is.EqualTo(quoted));
            Assert.That(p.IcmpQuotedIpHeader.ToArray(), Is.EqualTo(quoted[..40]));
            Assert.That(HeaderParser.Parse(d, HeaderKind.Icmp), Is.EqualTo(ParseStatus.NotThisProtocol));
        });
    }

    [Test]
    public void Icmp_TruncatedQuoteGivesEmptyHeader()
    {
        var frame = Cat(Eth(Ethernet.TypeIpv4), Ip4(Ipv4.ProtoIcmp, 8 + 12), Icmp(Sdk.Icmp.DestinationUnreachable, 3, 0, 0), Ip4(17, 0)[..12]);
        Parser.With(frame, d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv4, HeaderKind.Icmp), Is.EqualTo(ParseStatus.Ok));
            var p = new Packet(d);
            Assert.That(p.IcmpQuotedPacket.Length, Is.EqualTo(12));
            Assert.That(p.IcmpQuotedIpHeader.IsEmpty, Is.True);
        });
    }

    [Test]
    public void UnparsedHeader_ThrowsWithHelpfulMessage()
    {
        Parser.With(V4Tcp(), d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet), Is.EqualTo(ParseStatus.Ok));
            var ex = Assert.Throws<InvalidOperationException>(() => _ = new Packet(d).Ipv4.Ttl);
            Assert.That(ex!.Message, Does.Contain("Ipv4").And.Contain("Parse<Ipv4>()"));
            Assert.Throws<InvalidOperationException>(() => _ = new Packet(d).Tcp.SourcePort);
            Assert.Throws<InvalidOperationException>(() => _ = new Packet(d).TcpOptions.Bytes.Length);
            Assert.Throws<InvalidOperationException>(() => _ = new Packet(d).Ipv4Options.Length);
            Assert.Throws<InvalidOperationException>(() => _ = new Packet(d).IcmpQuotedPacket.Length);
            Assert.Throws<InvalidOperationException>(() => new Packet(d).RecomputeIpv4HeaderChecksum());
        });
    }
}
