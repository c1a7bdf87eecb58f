using System.Buffers.Binary;
using Switchboard.Sdk.Tests.Support;
using static Switchboard.Sdk.Tests.Headers.Raw;

namespace Switchboard.Sdk.Tests.Headers;

/// <summary>Each kind of malformed packet gets the right <see cref="ParseStatus"/> from the parser and is
/// dropped (and counted under that status) by the parse node of the failing header.</summary>
public unsafe class MalformedTests
{
    private static readonly HeaderKind[] V4Tcp_ = [HeaderKind.Ethernet, HeaderKind.Ipv4, HeaderKind.Tcp];
    private static readonly HeaderKind[] V4Udp_ = [HeaderKind.Ethernet, HeaderKind.Ipv4, HeaderKind.Udp];
    private static readonly HeaderKind[] V6Tcp_ = [HeaderKind.Ethernet, HeaderKind.Ipv6, HeaderKind.Tcp];

    private static byte[] Set(byte[] frame, int offset, params byte[] bytes) { bytes.CopyTo(frame, offset); return frame; }

    private static byte[] SetU16(byte[] frame, int offset, ushort v) { BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(offset), v); return frame; }

    private static TestCaseData Case(string name, byte[] frame, HeaderKind[] kinds, HeaderKind failing, ParseStatus status) =>
        new TestCaseData(frame, kinds, failing, status).SetName(name);

    private static IEnumerable<TestCaseData> Cases()
    {
        var eth = Eth(Ethernet.TypeIpv4);
        yield return Case("TruncatedEthernet", V4Tcp()[..13], V4Tcp_, HeaderKind.Ethernet, ParseStatus.Truncated);
        yield return Case("TruncatedVlanTag", Cat(Eth(Ethernet.TypeIpv4, (Ethernet.TypeVlan, 5))[..16]), V4Tcp_, HeaderKind.Ethernet, ParseStatus.Truncated);
        yield return Case("TooManyVlanTags", Cat(Eth(Ethernet.TypeIpv4, (Ethernet.TypeQinQ, 1), (Ethernet.TypeVlan, 2), (Ethernet.TypeVlan, 3)), Ip4(6, 0)),
            V4Tcp_, HeaderKind.Ethernet, ParseStatus.BadHeaderLength);

        yield return Case("Ipv4Short", Cat(eth, Ip4(6, 0)[..19]), V4Tcp_, HeaderKind.Ipv4, ParseStatus.Truncated);
        yield return Case("Ipv4BadVersion", Set(Raw.V4Tcp(), 14, 0x65), V4Tcp_, HeaderKind.Ipv4, ParseStatus.BadVersion);
        yield return Case("Ipv4IhlBelow5", Set(Raw.V4Tcp(), 14, 0x44), V4Tcp_, HeaderKind.Ipv4, ParseStatus.BadHeaderLength);
        yield return Case("Ipv4IhlPastEnd", Set(Cat(eth, Ip4(6, 0), new byte[10]), 14, 0x4F), V4Tcp_, HeaderKind.Ipv4, ParseStatus.Truncated);
        yield return Case("Ipv4TotalBelowIhl", SetU16(Raw.V4Tcp(), 16, 19), V4Tcp_, HeaderKind.Ipv4, ParseStatus.BadTotalLength);
        yield return Case("Ipv4TotalPastEnd", SetU16(Raw.V4Tcp(), 16, 41), V4Tcp_, HeaderKind.Ipv4, ParseStatus.BadTotalLength);
        yield return Case("Ipv4OnIpv6Frame", V6(Ipv4.ProtoTcp, [], Tcp()), V4Tcp_, HeaderKind.Ipv4, ParseStatus.NotThisProtocol);

        var eth6 = Eth(Ethernet.TypeIpv6);
        yield return Case("Ipv6Short", Cat(eth6, Ip6(59, 0)[..39]), V6Tcp_, HeaderKind.Ipv6, ParseStatus.Truncated);
        yield return Case("Ipv6BadVersion", Set(V6(Ipv4.ProtoTcp, [], Tcp()), 14, 0x40), V6Tcp_, HeaderKind.Ipv6, ParseStatus.BadVersion);
        yield return Case("Ipv6PayloadPastEnd", SetU16(V6(Ipv4.ProtoTcp, [], Tcp()), 18, 21), V6Tcp_, HeaderKind.Ipv6, ParseStatus.BadTotalLength);
        yield return Case("Ipv6ExtensionPastEnd", V6(Ipv6.ExtHopByHop, Set(Ext(Ipv4.ProtoTcp), 1, 5), Tcp()), V6Tcp_, HeaderKind.Ipv6, ParseStatus.BadExtensionHeader);
        yield return Case("Ipv6ExtensionShorterThan8", Cat(eth6, Ip6(Ipv6.ExtRouting, 6), new byte[6]), V6Tcp_, HeaderKind.Ipv6, ParseStatus.BadExtensionHeader);
        yield return Case("Ipv6AhPastEnd", V6(Ipv6.ExtAuthentication, Set(Ah(Ipv4.ProtoTcp), 1, 20), Tcp()), V6Tcp_, HeaderKind.Ipv6, ParseStatus.BadExtensionHeader);
        var nine = Cat(Enumerable.Range(0, 9).Select(i => Ext(i == 8 ? Ipv4.ProtoTcp : Ipv6.ExtDestinationOptions)).ToArray());
        yield return Case("Ipv6TooManyExtensions", V6(Ipv6.ExtDestinationOptions, nine, Tcp()), V6Tcp_, HeaderKind.Ipv6, ParseStatus.BadExtensionHeader);
        yield return Case("Ipv6HopByHopNotFirst", V6(Ipv6.ExtDestinationOptions, Cat(Ext(Ipv6.ExtHopByHop), Ext(Ipv4.ProtoTcp)), Tcp()),
            V6Tcp_, HeaderKind.Ipv6, ParseStatus.BadExtensionHeader);

        yield return Case("TcpShort", Cat(eth, Ip4(6, 19), Tcp()[..19]), V4Tcp_, HeaderKind.Tcp, ParseStatus.Truncated);
        yield return Case("TcpDataOffsetBelow5", Set(Raw.V4Tcp(), 34 + 12, 0x40), V4Tcp_, HeaderKind.Tcp, ParseStatus.BadHeaderLength);
        yield return Case("TcpDataOffsetPastEnd", Set(Raw.V4Tcp(payload: 8), 34 + 12, 0x80), V4Tcp_, HeaderKind.Tcp, ParseStatus.Truncated);
        yield return Case("TcpOnUdpPacket", V4Udp(), V4Tcp_, HeaderKind.Tcp, ParseStatus.NotThisProtocol);
        yield return Case("TcpOnNonFirstFragment", Cat(eth, Ip4(6, 20, flagsFragment: 0x2000 | 3), Tcp()), V4Tcp_, HeaderKind.Tcp, ParseStatus.Fragment);
        yield return Case("TcpOnIpv6NonFirstFragment", V6(Ipv6.ExtFragment, Frag(Ipv4.ProtoTcp, 8, true), Tcp()), V6Tcp_, HeaderKind.Tcp, ParseStatus.Fragment);
        yield return Case("TcpWithoutIp", Raw.V4Tcp(), [HeaderKind.Ethernet, HeaderKind.Tcp], HeaderKind.Tcp, ParseStatus.NotThisProtocol);

        yield return Case("UdpShort", Cat(eth, Ip4(17, 7), Udp(1, 2, 0)[..7]), V4Udp_, HeaderKind.Udp, ParseStatus.Truncated);
        yield return Case("UdpLengthBelow8", SetU16(V4Udp(), 34 + 4, 7), V4Udp_, HeaderKind.Udp, ParseStatus.BadTotalLength);
        yield return Case("UdpLengthPastEnd", SetU16(V4Udp(payload: 4), 34 + 4, 13), V4Udp_, HeaderKind.Udp, ParseStatus.BadTotalLength);
        yield return Case("UdpOnNonFirstFragment", V4Udp(flagsFragment: 100), V4Udp_, HeaderKind.Udp, ParseStatus.Fragment);
        yield return Case("UdpOnTcpPacket", Raw.V4Tcp(), V4Udp_, HeaderKind.Udp, ParseStatus.NotThisProtocol);

        yield return Case("IcmpShort", Cat(eth, Ip4(1, 7), Icmp(8, 0, 1, 1)[..7]), [HeaderKind.Ethernet, HeaderKind.Ipv4, HeaderKind.Icmp],
            HeaderKind.Icmp, ParseStatus.Truncated);
        yield return Case("Icmpv6Short", V6(Ipv4.ProtoIcmpv6, [], Icmp(128, 0, 1, 1)[..7]), [HeaderKind.Ethernet, HeaderKind.Ipv6, HeaderKind.Icmpv6],
            HeaderKind.Icmpv6, ParseStatus.Truncated);
        yield return Case("IcmpOnIpv6", V6(Ipv4.ProtoIcmp, [], Icmp(8, 0, 1, 1)), [HeaderKind.Ethernet, HeaderKind.Ipv6, HeaderKind.Icmp],
            HeaderKind.Icmp, ParseStatus.NotThisProtocol);
    }

    [TestCaseSource(nameof(Cases))]
    public void Parser_ReportsStatus(byte[] frame, HeaderKind[] kinds, HeaderKind failing, ParseStatus status)
    {
        Parser.With(frame, d =>
        {
            foreach (var k in kinds)
            {
                var s = HeaderParser.Parse(d, k);
                if (k == failing)
                {
                    Assert.That(s, Is.EqualTo(status));
                    var p = new Packet(d);
                    Assert.That(p.Has(k), Is.False, "a failed parse pushes nothing");
                    return;
                }
                Assert.That(s, Is.EqualTo(ParseStatus.Ok), $"{k} should parse before {failing} fails");
            }
            Assert.Fail("the failing header was not reached");
        });
    }

    [TestCaseSource(nameof(Cases))]
    public void ParseNode_DropsAndCountsByStatus(byte[] frame, HeaderKind[] kinds, HeaderKind failing, ParseStatus status)
    {
        var h = new GraphHarness();
        var pipe = h.Input;
        foreach (var k in kinds) pipe = ParseOf(pipe, k);
        var output = h.Capture(pipe);
        var good = GoodFrameFor(kinds);
        if (good is null) h.Push(frame);
        else h.Push(frame, good); // a good frame too, so the nodes are seen to pass what is valid
        var node = h.Builder.Nodes.First(n => n.Name.EndsWith("parse-" + failing.ToString().ToLowerInvariant(), StringComparison.Ordinal));
        var failures = FailuresOf(node);
        Assert.That(failures[(int)status], Is.EqualTo(1));
        Assert.That(failures.Sum(), Is.EqualTo(1));
        Assert.That(node.PacketsDropped, Is.EqualTo(1));
        Assert.That(output.Packets, Has.Count.EqualTo(good is null ? 0 : 1));
        if (good is not null) Assert.That(output.Packets[0].Bytes, Is.EqualTo(good));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    private static byte[]? GoodFrameFor(HeaderKind[] kinds)
    {
        if (kinds.Length < 3) return null;
        return (kinds[1], kinds[2]) switch
        {
            (HeaderKind.Ipv4, HeaderKind.Tcp) => Raw.V4Tcp(),
            (HeaderKind.Ipv4, HeaderKind.Udp) => V4Udp(),
            (HeaderKind.Ipv4, HeaderKind.Icmp) => Cat(Eth(Ethernet.TypeIpv4), Ip4(1, 8), Icmp(8, 0, 1, 1)),
            (HeaderKind.Ipv6, HeaderKind.Tcp) => V6(Ipv4.ProtoTcp, [], Tcp()),
            (HeaderKind.Ipv6, HeaderKind.Icmpv6) => V6(Ipv4.ProtoIcmpv6, [], Icmp(128, 0, 1, 1)),
            _ => null,
        };
    }

    internal static Pipe ParseOf(Pipe pipe, HeaderKind k) => k switch
    {
        HeaderKind.Ethernet => pipe.Parse<Ethernet>(),
        HeaderKind.Ipv4 => pipe.Parse<Ipv4>(),
        HeaderKind.Ipv6 => pipe.Parse<Ipv6>(),
        HeaderKind.Tcp => pipe.Parse<Tcp>(),
        HeaderKind.Udp => pipe.Parse<Udp>(),
        HeaderKind.Icmp => pipe.Parse<Icmp>(),
        HeaderKind.Icmpv6 => pipe.Parse<Icmpv6>(),
        _ => throw new ArgumentOutOfRangeException(nameof(k)),
    };

    private static IReadOnlyList<long> FailuresOf(Node n) => n switch
    {
        ParseNode<Ethernet> x => x.Failures,
        ParseNode<Ipv4> x => x.Failures,
        ParseNode<Ipv6> x => x.Failures,
        ParseNode<Tcp> x => x.Failures,
        ParseNode<Udp> x => x.Failures,
        ParseNode<Icmp> x => x.Failures,
        ParseNode<Icmpv6> x => x.Failures,
        _ => throw new ArgumentException(n.Name),
    };
}
