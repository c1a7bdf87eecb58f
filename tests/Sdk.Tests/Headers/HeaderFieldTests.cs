using System.Buffers.Binary;
using static Switchboard.Sdk.Tests.Headers.Raw;

namespace Switchboard.Sdk.Tests.Headers;

public unsafe class HeaderFieldTests
{
    private static readonly HeaderKind[] EthV4Tcp = [HeaderKind.Ethernet, HeaderKind.Ipv4, HeaderKind.Tcp];

    [Test]
    public void Ethernet_FieldsReadAndWriteInNetworkOrder()
    {
        Parser.With(V4Tcp(), d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet), Is.EqualTo(ParseStatus.Ok));
            var p = new Packet(d);
            Assert.That(p.Ethernet.Destination.ToString(), Is.EqualTo("02:00:00:00:00:02"));
            Assert.That(p.Ethernet.Source, Is.EqualTo(MacAddress.Parse("02:00:00:00:00:01")));
            Assert.That(p.Ethernet.EtherType, Is.EqualTo(Ethernet.TypeIpv4));
            Assert.That(p.EtherType, Is.EqualTo(Ethernet.TypeIpv4));
            Assert.That(p.VlanId, Is.EqualTo(-1));
            p.Ethernet.EtherType = 0x1234;
            p.Ethernet.Destination = MacAddress.Parse("aa:bb:cc:dd:ee:ff");
            Assert.That(p.Data[..6].ToArray(), Is.EqualTo(new byte[] { 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF }));
            Assert.That(p.Data[12], Is.EqualTo(0x12));
            Assert.That(p.Data[13], Is.EqualTo(0x34));
            Assert.That(p.HeaderBytes(HeaderKind.Ethernet).Length, Is.EqualTo(14));
        });
    }

    [Test]
    public void Vlan_SingleTagIsPartOfEthernetHeader()
    {
        var frame = Cat(Eth(Ethernet.TypeIpv4, (Ethernet.TypeVlan, 0xA07B)), Ip4(Ipv4.ProtoUdp, 8), Udp(1, 2, 0));
        Parser.With(frame, d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv4, HeaderKind.Udp), Is.EqualTo(ParseStatus.Ok));
            var p = new Packet(d);
            Assert.That(p.HeaderBytes(HeaderKind.Ethernet).Length, Is.EqualTo(18));
            Assert.That(p.Ethernet.EtherType, Is.EqualTo(Ethernet.TypeVlan));
            Assert.That(p.EtherType, Is.EqualTo(Ethernet.TypeIpv4));
            Assert.That(p.VlanId, Is.EqualTo(0x07B));
            Assert.That(p.VlanPriority, Is.EqualTo(5));
            Assert.That(p.InnerVlanId, Is.EqualTo(-1));
            Assert.That(p.OffsetOf(HeaderKind.Ipv4), Is.EqualTo(18));
            Assert.That(p.Udp.DestinationPort, Is.EqualTo(2));
        });
    }

    [Test]
    public void QinQ_TwoTagsParsedAndOuterInnerIdsRead()
    {
        var frame = Cat(Eth(Ethernet.TypeIpv6, (Ethernet.TypeQinQ, 0x0064), (Ethernet.TypeVlan, 0x20C8)), Ip6(Ipv4.ProtoUdp, 8), Udp(7, 8, 0));
        Parser.With(frame, d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv6, HeaderKind.Udp), Is.EqualTo(ParseStatus.Ok));
            var p = new Packet(d);
            Assert.That(p.HeaderBytes(HeaderKind.Ethernet).Length, Is.EqualTo(22));
            Assert.That(p.VlanId, Is.EqualTo(100));
            Assert.That(p.InnerVlanId, Is.EqualTo(200));
            Assert.That(p.EtherType, Is.EqualTo(Ethernet.TypeIpv6));
            Assert.That(p.OffsetOf(HeaderKind.Ipv6), Is.EqualTo(22));
        });
    }

    [Test]
    public void Ipv4_FieldsReadAndWriteInNetworkOrder()
    {
        Parser.With(V4Tcp(), d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv4), Is.EqualTo(ParseStatus.Ok));
            var p = new Packet(d);
            ref var ip = ref p.Ipv4;
            Assert.That(ip.Version, Is.EqualTo(4));
            Assert.That(ip.HeaderLength, Is.EqualTo(20));
            Assert.That(ip.Tos, Is.EqualTo(0x2E));
            Assert.That(ip.TotalLength, Is.EqualTo(40));
            Assert.That(ip.Identification, Is.EqualTo(0x1234));
            Assert.That(ip.Ttl, Is.EqualTo(64));
            Assert.That(ip.Protocol, Is.EqualTo(Ipv4.ProtoTcp));
            Assert.That(Ipv4.Format(ip.Source), Is.EqualTo("10.0.0.1"));
            Assert.That(ip.Destination, Is.EqualTo(Ipv4.Address("10.0.0.2")));
            Assert.That(ip.IsFragment || ip.DontFragment || ip.MoreFragments, Is.False);
            Assert.That(p.IsIpv4HeaderChecksumValid(), Is.True);
            Assert.That(p.IpProtocol, Is.EqualTo(Ipv4.ProtoTcp));

            ip.Source = 0xC0A80101;
            ip.Identification = 0xBEEF;
            ip.TotalLength = 0x0102;
            var raw = p.Data[14..];
            Assert.That(raw[12..16].ToArray(), Is.EqualTo(new byte[] { 192, 168, 1, 1 }));
            Assert.That(BinaryPrimitives.ReadUInt16BigEndian(raw[4..]), Is.EqualTo(0xBEEF));
            Assert.That(BinaryPrimitives.ReadUInt16BigEndian(raw[2..]), Is.EqualTo(0x0102));
            p.RecomputeIpv4HeaderChecksum();
            Assert.That(ip.Checksum, Is.EqualTo(Reference.Checksum(raw[..10].ToArray().Concat(new byte[2]).Concat(raw[12..20].ToArray()).ToArray())));
            Assert.That(p.IsIpv4HeaderChecksumValid(), Is.True);
        });
    }

    [Test]
    public void Ipv4_FragmentFieldsAndState()
    {
        // DF clear, MF set, offset 185 × 8.
        Parser.With(V4Udp(flagsFragment: 0x2000 | 185), d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv4), Is.EqualTo(ParseStatus.Ok));
            var p = new Packet(d);
            Assert.That(p.Ipv4.MoreFragments, Is.True);
            Assert.That(p.Ipv4.DontFragment, Is.False);
            Assert.That(p.Ipv4.FragmentOffset, Is.EqualTo(1480));
            Assert.That(p.IsFragment && p.IsNonFirstFragment, Is.True);
        });
        Parser.With(V4Udp(flagsFragment: 0x4000), d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv4, HeaderKind.Udp), Is.EqualTo(ParseStatus.Ok));
            var p = new Packet(d);
            Assert.That(p.Ipv4.DontFragment, Is.True);
            Assert.That(p.IsFragment, Is.False);
        });
    }

    [Test]
    public void Ipv4_OptionsAreExposedAndSkipped()
    {
        byte[] options = [0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00]; // router alert, NOP, NOP, NOP, EOL
        Parser.With(V4Tcp(ipOptions: options), d =>
        {
            Assert.That(Parser.Run(d, EthV4Tcp), Is.EqualTo(ParseStatus.Ok));
            var p = new Packet(d);
            Assert.That(p.Ipv4.HeaderLength, Is.EqualTo(28));
            Assert.That(p.Ipv4Options.ToArray(), Is.EqualTo(options));
            Assert.That(p.OffsetOf(HeaderKind.Tcp), Is.EqualTo(14 + 28));
            Assert.That(p.Tcp.SourcePort, Is.EqualTo(1234));
            Assert.That(p.IsIpv4HeaderChecksumValid(), Is.True);
            p.Ipv4Options[7] = 0x44;
            Assert.That(p.Data[14 + 27], Is.EqualTo(0x44));
        });
        Parser.With(V4Tcp(), d =>
        {
            Assert.That(Parser.Run(d, EthV4Tcp), Is.EqualTo(ParseStatus.Ok));
            Assert.That(new Packet(d).Ipv4Options.IsEmpty, Is.True);
        });
    }

    [Test]
    public void EthernetPadding_IsNotPayload()
    {
        // A 4-byte UDP payload padded to the 60-byte Ethernet minimum.
        var frame = Cat(V4Udp(payload: 4), new byte[60 - 46]);
        Parser.With(frame, d =>
        {
            var p = new Packet(d);
            Assert.That(p.Length, Is.EqualTo(60));
            Assert.That(Parser.Run(d, HeaderKind.Ethernet), Is.EqualTo(ParseStatus.Ok));
            Assert.That(p.Payload.Length, Is.EqualTo(46));
            Assert.That(Parser.Run(d, HeaderKind.Ipv4), Is.EqualTo(ParseStatus.Ok));
            Assert.That(p.Payload.Length, Is.EqualTo(12));
            Assert.That(Parser.Run(d, HeaderKind.Udp), Is.EqualTo(ParseStatus.Ok));
            Assert.That(p.Payload.ToArray(), Is.EqualTo(Fill(4)));
            Assert.That(p.IsTransportChecksumValid(), Is.True, "a zero UDP checksum over IPv4 means none");
            Assert.That(p.TryRecomputeTransportChecksum(), Is.True);
            Assert.That(p.IsTransportChecksumValid(), Is.True);
            // The checksum covers the 12 UDP bytes, not the padding.
            var udp = p.Data.Slice(34, 12).ToArray();
            udp[6] = udp[7] = 0;
            uint pseudo = 0x0A00 + 0x0001 + 0x0A00 + 0x0002 + 17u + 12u;
            Assert.That(p.Udp.Checksum, Is.EqualTo(Reference.Checksum(udp, pseudo)));
        });
    }
}
