using Switchboard.Sdk.Tests.Support;

namespace Switchboard.Sdk.Tests.Operators;

public class ParseDeparseTests
{
    /// <summary>Ethernet + outer IPv4 (protocol 4) around an inner IPv4/TCP datagram.</summary>
    private static byte[] IpInIp(string innerSrc = "192.168.0.1", string innerDst = "192.168.0.2")
    {
        var inner = Frames.Tcp(innerSrc, innerDst)[Ethernet.Size..];
        var buf = new byte[Ethernet.Size + Ipv4.MinSize + inner.Length];
        var rest = FrameBuilder.WriteEthIpv4(buf, Ipv4.Address("10.0.0.1"), Ipv4.Address("10.0.0.2"), 4, Ipv4.MinSize + inner.Length);
        inner.CopyTo(rest);
        return buf;
    }

    [Test]
    public void Parse_PushesHeadersInOrder_PayloadFollowsTop()
    {
        var h = new GraphHarness();
        var outPipe = h.Capture(h.Input.Parse<Ethernet>().Parse<Ipv4>().Parse<Tcp>());
        h.Push(Frames.Tcp(payload: [1, 2, 3]));
        var p = outPipe.Packets.Single();
        Assert.That(p.Top, Is.EqualTo(HeaderKind.Tcp));
        Assert.That(p.Depth, Is.EqualTo(3));
        Assert.That(p.Payload, Is.EqualTo(new byte[] { 1, 2, 3 }));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void Parse_DropsOtherProtocolsAndCountsByReason()
    {
        var h = new GraphHarness();
        var outPipe = h.Capture(h.Input.Parse<Ethernet>().Parse<Ipv4>().Parse<Tcp>());
        var truncated = Frames.Tcp()[..20];
        h.Push(Frames.Tcp(), Frames.Udp(), Frames.Udp(), truncated);

        Assert.That(outPipe.Packets, Has.Count.EqualTo(1));
        var tcp = h.Nodes<ParseNode<Tcp>>().Single();
        Assert.That(tcp.PacketsIn, Is.EqualTo(3));
        Assert.That(tcp.PacketsDropped, Is.EqualTo(2));
        Assert.That(tcp.Failures[(int)ParseStatus.NotThisProtocol], Is.EqualTo(2));
        var ip = h.Nodes<ParseNode<Ipv4>>().Single();
        Assert.That(ip.Failures[(int)ParseStatus.Truncated], Is.EqualTo(1));
        Assert.That(h.Core.DroppedTotal, Is.EqualTo(3));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void Deparse_PopsTopHeader_ItsBytesBecomePayload()
    {
        var h = new GraphHarness();
        var outPipe = h.Capture(h.Input.Parse<Ethernet>().Parse<Ipv4>().Parse<Tcp>().Deparse());
        var frame = Frames.Tcp(payload: [9, 9]);
        h.Push(frame);
        var p = outPipe.Packets.Single();
        Assert.That(p.Top, Is.EqualTo(HeaderKind.Ipv4));
        Assert.That(p.Depth, Is.EqualTo(2));
        Assert.That(p.Payload, Is.EqualTo(frame[(Ethernet.Size + Ipv4.MinSize)..]), "TCP header and data are payload again");
        Assert.That(p.IpProtocol, Is.EqualTo(Ipv4.ProtoTcp), "the IP header is still parsed");
    }

    [Test]
    public void Deparse_ThenParseAgain_RestoresTheSameStack()
    {
        var h = new GraphHarness();
        var outPipe = h.Capture(h.Input.Parse<Ethernet>().Parse<Ipv4>().Deparse().Parse<Ipv4>().Parse<Udp>());
        h.Push(Frames.Udp(payload: [7]));
        var p = outPipe.Packets.Single();
        Assert.That(p.Top, Is.EqualTo(HeaderKind.Udp));
        Assert.That(p.Payload, Is.EqualTo(new byte[] { 7 }));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void Deparse_OfTheOnlyIpHeader_ClearsIpState()
    {
        var h = new GraphHarness();
        var outPipe = h.Capture(h.Input.Parse<Ethernet>().Parse<Ipv4>().Deparse());
        h.Push(Frames.Udp());
        var p = outPipe.Packets.Single();
        Assert.That(p.Top, Is.EqualTo(HeaderKind.Ethernet));
        Assert.That(p.IpProtocol, Is.Zero);
    }

    [Test]
    public void Deparse_OfInnerIp_RestoresOuterIpState_SoTheTunnelCanBeReparsed()
    {
        var h = new GraphHarness();
        var outPipe = h.Capture(h.Input.Parse<Ethernet>().Parse<Ipv4>().Parse<Ipv4>().Deparse().Parse<Ipv4>().Parse<Tcp>());
        h.Push(IpInIp());
        var p = outPipe.Packets.Single();
        Assert.That(p.Top, Is.EqualTo(HeaderKind.Tcp));
        Assert.That(p.Depth, Is.EqualTo(4));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void Deparse_OfInnerIp_ReportsOuterProtocol()
    {
        var h = new GraphHarness();
        var outPipe = h.Capture(h.Input.Parse<Ethernet>().Parse<Ipv4>().Parse<Ipv4>().Deparse());
        h.Push(IpInIp());
        var p = outPipe.Packets.Single();
        Assert.That(p.Top, Is.EqualTo(HeaderKind.Ipv4));
        Assert.That(p.IpProtocol, Is.EqualTo(4), "the outer header carries IP-in-IP");
    }

    [Test]
    public void Deparse_OnEmptyStack_LeavesPacketUnchanged()
    {
        var h = new GraphHarness();
        var outPipe = h.Capture(h.Input.Deparse());
        var frame = Frames.Udp();
        h.Push(frame);
        Assert.That(outPipe.Packets.Single().Bytes, Is.EqualTo(frame));
        Assert.That(outPipe.Packets.Single().Depth, Is.Zero);
    }
}
