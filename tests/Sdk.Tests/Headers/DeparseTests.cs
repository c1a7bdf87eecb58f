using Switchboard.Sdk.Tests.Support;
using static Switchboard.Sdk.Tests.Headers.Raw;

namespace Switchboard.Sdk.Tests.Headers;

public unsafe class DeparseTests
{
    [Test]
    public void PoppingTheOnlyIpHeader_ClearsIpState()
    {
        var frame = Cat(V4Udp(payload: 4, flagsFragment: 0x2000), new byte[14]); // first fragment, padded to 60
        Parser.With(frame, d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv4, HeaderKind.Udp), Is.EqualTo(ParseStatus.Ok));
            var p = new Packet(d);
            Assert.That(p.IsFragment, Is.True);
            Assert.That(HeaderParser.Deparse(d), Is.EqualTo(HeaderKind.Udp));
            Assert.That(p.IpProtocol, Is.EqualTo(Ipv4.ProtoUdp), "popping UDP leaves the IP state alone");
            Assert.That(p.Payload.Length, Is.EqualTo(12));
            Assert.That(HeaderParser.Deparse(d), Is.EqualTo(HeaderKind.Ipv4));
            Assert.That(p.IpProtocol, Is.Zero);
            Assert.That(p.IsFragment || p.IsNonFirstFragment, Is.False);
            Assert.That(p.Payload.Length, Is.EqualTo(46), "without an IP header the padding is payload again");
            Assert.That(p.Has(HeaderKind.Ipv4), Is.False);
            Assert.That(HeaderParser.Deparse(d), Is.EqualTo(HeaderKind.Ethernet));
            Assert.That(HeaderParser.Deparse(d), Is.EqualTo(HeaderKind.None));
            Assert.That(p.Payload.Length, Is.EqualTo(60));
            // And it parses again from scratch.
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv4, HeaderKind.Udp), Is.EqualTo(ParseStatus.Ok));
        });
    }

    [Test]
    public void PoppingInnerIpv6_RestoresOuterIpv4State()
    {
        var inner = Cat(Ip6(Ipv4.ProtoUdp, 8 + 2), Udp(1, 2, 2), Fill(2));
        var frame = Cat(Eth(Ethernet.TypeIpv4), Ip4(Ipv4.ProtoIpv6, inner.Length, flagsFragment: 0x2000), inner, new byte[7]);
        Parser.With(frame, d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv4, HeaderKind.Ipv6, HeaderKind.Udp), Is.EqualTo(ParseStatus.Ok));
            var p = new Packet(d);
            Assert.That(p.IpProtocol, Is.EqualTo(Ipv4.ProtoUdp));
            Assert.That(p.IsFragment, Is.False, "the inner datagram is whole");
            HeaderParser.Deparse(d);
            HeaderParser.Deparse(d);
            Assert.That(p.IpProtocol, Is.EqualTo(Ipv4.ProtoIpv6));
            Assert.That(p.IsFragment, Is.True, "the outer datagram is a first fragment");
            Assert.That(p.Payload.ToArray(), Is.EqualTo(inner), "the outer datagram end applies again (padding excluded)");
            Assert.That(p.Ipv4.Protocol, Is.EqualTo(Ipv4.ProtoIpv6));
            Assert.That(Parser.Run(d, HeaderKind.Ipv6, HeaderKind.Udp), Is.EqualTo(ParseStatus.Ok));
            Assert.That(p.Udp.DestinationPort, Is.EqualTo(2));
        });
    }

    [Test]
    public void PoppingInnerIpv4_RestoresOuterIpv6ProtocolAfterExtensions()
    {
        var inner = Cat(Ip4(Ipv4.ProtoTcp, 20), Tcp());
        var frame = V6(Ipv6.ExtDestinationOptions, Ext(Ipv4.ProtoIpip), inner);
        Parser.With(frame, d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv6, HeaderKind.Ipv4, HeaderKind.Tcp), Is.EqualTo(ParseStatus.Ok));
            var p = new Packet(d);
            HeaderParser.Deparse(d);
            Assert.That(HeaderParser.Deparse(d), Is.EqualTo(HeaderKind.Ipv4));
            Assert.That(p.IpProtocol, Is.EqualTo(Ipv4.ProtoIpip));
            Assert.That(p.Payload.ToArray(), Is.EqualTo(inner));
            Assert.That(p.Has(HeaderKind.Ipv4), Is.False);
        });
    }

    [Test]
    public void PoppingInnerIp_AfterOuterHeaderWasRewritten_StaysInsideThePacket()
    {
        var inner = Cat(Ip4(Ipv4.ProtoUdp, 8), Udp(1, 2, 0));
        var frame = Cat(Eth(Ethernet.TypeIpv4), Ip4(Ipv4.ProtoIpip, inner.Length), inner);
        Parser.With(frame, d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv4, HeaderKind.Ipv4), Is.EqualTo(ParseStatus.Ok));
            var p = new Packet(d);
            // Rewrite the outer header's lengths to nonsense while the inner one is on top.
            p.Data[14] = 0x4F;
            p.Data[16] = 0; p.Data[17] = 3;
            HeaderParser.Deparse(d);
            Assert.That(p.Has(HeaderKind.Ipv4), Is.True);
            Assert.That(p.OffsetOf(HeaderKind.Ipv4), Is.EqualTo(14));
            int payloadStart = 14 + 20;
            Assert.That(p.Payload.Length, Is.InRange(0, p.Length - payloadStart));
        });
    }

    [Test]
    public void DeparseNode_PopsInTheGraph()
    {
        var h = new GraphHarness();
        var output = h.Capture(h.Input.Parse<Ethernet>().Parse<Ipv4>().Parse<Udp>().Deparse().Deparse());
        var frame = Cat(V4Udp(payload: 4), new byte[14]);
        h.Push(frame);
        Assert.That(output.Packets, Has.Count.EqualTo(1));
        Assert.That(output.Packets[0].Top, Is.EqualTo(HeaderKind.Ethernet));
        Assert.That(output.Packets[0].Payload.Length, Is.EqualTo(46));
        Assert.That(h.InUseDelta, Is.Zero);
    }
}
