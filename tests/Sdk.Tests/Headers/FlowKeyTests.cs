using static Switchboard.Sdk.Tests.Headers.Raw;

namespace Switchboard.Sdk.Tests.Headers;

public unsafe class FlowKeyTests
{
    private static FlowKey KeyOf(byte[] frame, params HeaderKind[] kinds)
    {
        FlowKey key = default;
        Parser.With(frame, d =>
        {
            Assert.That(Parser.Run(d, kinds), Is.EqualTo(ParseStatus.Ok));
            Assert.That(FlowKey.TryGet(new Packet(d), out key), Is.True);
            // The overload that hashes while reading (IPv4 from the header words) gives the same key and its TableHash.
            Assert.That(FlowKey.TryGet(new Packet(d), out var again, out uint tableHash), Is.True);
            Assert.That((again, tableHash), Is.EqualTo((key, key.TableHash())));
        });
        return key;
    }

    [Test]
    public void Ipv4Tcp_KeyFieldsAndReverse()
    {
        var buf = new byte[128];
        int n = FrameBuilder.Ipv4Tcp(buf, Ipv4.Address("10.1.2.3"), Ipv4.Address("192.168.9.8"), 40000, 443, 1, 0, Tcp.Syn, []);
        var key = KeyOf(buf[..n], HeaderKind.Ethernet, HeaderKind.Ipv4); // ports read even with TCP unparsed
        Assert.That(key.IsIpv4, Is.True);
        Assert.That(Ipv4.Format(key.SourceIpv4), Is.EqualTo("10.1.2.3"));
        Assert.That(Ipv4.Format(key.DestinationIpv4), Is.EqualTo("192.168.9.8"));
        Assert.That((key.SourcePort, key.DestinationPort, key.Protocol), Is.EqualTo(((ushort)40000, (ushort)443, Ipv4.ProtoTcp)));
        Assert.That(key, Is.EqualTo(FlowKey.Ipv4(Ipv4.Address("10.1.2.3"), Ipv4.Address("192.168.9.8"), 40000, 443, 6)));
        var rev = key.Reverse();
        Assert.That((rev.SourceIpv4, rev.DestinationIpv4, rev.SourcePort, rev.DestinationPort),
            Is.EqualTo((key.DestinationIpv4, key.SourceIpv4, key.DestinationPort, key.SourcePort)));
        Assert.That(rev.Reverse(), Is.EqualTo(key));
        Assert.That(key.Hash(), Is.Not.EqualTo(rev.Hash()));
        Assert.That(key.SymmetricHash(), Is.EqualTo(rev.SymmetricHash()));
        Assert.That(key.ToString(), Is.EqualTo("10.1.2.3:40000 -> 192.168.9.8:443 proto 6"));
    }

    [Test]
    public void Hash_IsStableAcrossRuns()
    {
        // Pinned values: a change here re-shards every deployed flow table, so it must be deliberate.
        var key = FlowKey.Ipv4(0x0A000001, 0x0A000002, 1234, 80, 6);
        Assert.That(key.Hash(), Is.EqualTo(PinnedHash));
        Assert.That(key.SymmetricHash(), Is.EqualTo(PinnedSymmetric));
        Assert.That(key.Reverse().SymmetricHash(), Is.EqualTo(PinnedSymmetric), "the symmetric hash is the hash of the lower-addressed direction");
        var v6 = new FlowKey(0x20010DB800000000, 1, 0x20010DB800000000, 2, 5, 6, 17);
        Assert.That(v6.Hash(), Is.EqualTo(PinnedV6));
    }

    private const uint PinnedHash = 1273768275, PinnedSymmetric = 1273768275, PinnedV6 = 4188531690;

    [Test]
    public void TableHash_EveryFieldCounts_AndItsLowBitsSpreadFlows()
    {
        var k = FlowKey.Ipv4(0x0A000001, 0xC0A80101, 1024, 80, Ipv4.ProtoUdp);
        Assert.That(k.TableHash(), Is.EqualTo(FlowKey.Ipv4(0x0A000001, 0xC0A80101, 1024, 80, Ipv4.ProtoUdp).TableHash()));
        var changed = new[]
        {
            k with { SourceLow = k.SourceLow ^ 1 }, k with { DestinationLow = k.DestinationLow ^ 1 }, k with { SourceHigh = 1 },
            k with { DestinationHigh = 1 }, k with { SourcePort = 1025 }, k with { DestinationPort = 81 }, k with { Protocol = Ipv4.ProtoTcp },
            k.Reverse(),
        };
        foreach (var c in changed) Assert.That(c.TableHash(), Is.Not.EqualTo(k.TableHash()), c.ToString());

        // 4 000 flows that differ in one field only (a table's typical traffic): hash & 2047 (its index at that size)
        // loads no slot much beyond the average of ~2.
        Func<int, FlowKey>[] vary =
        [
            i => FlowKey.Ipv4(0x0A000000 + (uint)i, 0xC0A80101, 1024, 80, 17),
            i => FlowKey.Ipv4(0x0A000001, 0xC0A80000 + ((uint)i << 8), 1024, 80, 17),
            i => FlowKey.Ipv4(0x0A000001, 0xC0A80101, (ushort)(1024 + i), 80, 17),
            i => FlowKey.Ipv4(0x0A000001, 0xC0A80101, 1024, (ushort)i, 17),
            i => new FlowKey(0x20010DB800000000, (ulong)i, 0x20010DB800000000, 2, 5, 6, 17),
        ];
        foreach (var make in vary)
        {
            var perSlot = Enumerable.Range(0, 4000).GroupBy(i => make(i).TableHash() & 2047).Select(g => g.Count()).ToArray();
            Assert.That(perSlot.Max(), Is.LessThanOrEqualTo(10));
            Assert.That(perSlot.Length, Is.GreaterThan(1500), "most slots are used");
        }
    }

    [Test]
    public void Ipv6Udp_AfterExtensionHeaders()
    {
        var key = KeyOf(V6(Ipv6.ExtDestinationOptions, Ext(Ipv4.ProtoUdp, 2), Udp(1111, 2222, 0)), HeaderKind.Ethernet, HeaderKind.Ipv6);
        Assert.That(key.IsIpv4, Is.False);
        Assert.That((key.SourceHigh, key.SourceLow, key.DestinationHigh, key.DestinationLow), Is.EqualTo((Src6.High, Src6.Low, Dst6.High, Dst6.Low)));
        Assert.That((key.SourcePort, key.DestinationPort, key.Protocol), Is.EqualTo(((ushort)1111, (ushort)2222, Ipv4.ProtoUdp)));
        Assert.That(key.SymmetricHash(), Is.EqualTo(key.Reverse().SymmetricHash()));
    }

    [Test]
    public void IcmpEcho_RequestReversedIsReplyKey()
    {
        var req = KeyOf(Cat(Eth(Ethernet.TypeIpv4), Ip4(1, 8, src: 1, dst: 2), Icmp(Icmp.EchoRequest, 0, 0x4242, 1)), HeaderKind.Ethernet, HeaderKind.Ipv4);
        var rep = KeyOf(Cat(Eth(Ethernet.TypeIpv4), Ip4(1, 8, src: 2, dst: 1), Icmp(Icmp.EchoReply, 0, 0x4242, 1)), HeaderKind.Ethernet, HeaderKind.Ipv4);
        Assert.That(req.SourcePort, Is.EqualTo(0x4242));
        Assert.That(req.Reverse(), Is.EqualTo(rep));
        var req6 = KeyOf(V6(Ipv4.ProtoIcmpv6, [], Icmp(Icmp.V6EchoRequest, 0, 0x99, 1)), HeaderKind.Ethernet, HeaderKind.Ipv6, HeaderKind.Icmpv6);
        Assert.That((req6.SourcePort, req6.DestinationPort), Is.EqualTo(((ushort)0x99, (ushort)0x99)));
        var err = KeyOf(Cat(Eth(Ethernet.TypeIpv4), Ip4(1, 8), Icmp(Icmp.DestinationUnreachable, 1, 0x4242, 1)), HeaderKind.Ethernet, HeaderKind.Ipv4);
        Assert.That((err.SourcePort, err.DestinationPort), Is.EqualTo(((ushort)0, (ushort)0)), "only echo messages have an identifier");
    }

    [Test]
    public void Fragments_AllHaveZeroPortsSoTheyStayTogether()
    {
        var first = KeyOf(V4Udp(flagsFragment: 0x2000), HeaderKind.Ethernet, HeaderKind.Ipv4);
        var later = KeyOf(V4Udp(flagsFragment: 0x0010), HeaderKind.Ethernet, HeaderKind.Ipv4);
        var v6Later = KeyOf(V6(Ipv6.ExtFragment, Frag(Ipv4.ProtoTcp, 64, false), Tcp(7, 8)), HeaderKind.Ethernet, HeaderKind.Ipv6);
        Assert.That((first.SourcePort, first.DestinationPort, later.SourcePort, v6Later.SourcePort, v6Later.DestinationPort),
            Is.EqualTo(((ushort)0, (ushort)0, (ushort)0, (ushort)0, (ushort)0)));
        Assert.That(first, Is.EqualTo(later));
    }

    [Test]
    public void Tunnel_UsesInnermostIpHeader()
    {
        var inner = Cat(Ip6(Ipv4.ProtoUdp, 8), Udp(53, 5353, 0));
        var key = KeyOf(Cat(Eth(Ethernet.TypeIpv4), Ip4(Ipv4.ProtoIpv6, inner.Length), inner), HeaderKind.Ethernet, HeaderKind.Ipv4, HeaderKind.Ipv6);
        Assert.That(key.IsIpv4, Is.False);
        Assert.That((key.SourcePort, key.DestinationPort, key.Protocol), Is.EqualTo(((ushort)53, (ushort)5353, Ipv4.ProtoUdp)));
    }

    [Test]
    public void Ipv4Only_OptionsSkipped_InnerOfIpv4InIpv4_AndIpv4InIpv6()
    {
        // With only IPv4 parsed the key comes from the per-kind index: the ports still follow the options, a tunnel
        // still gives the inner header, and IPv4 inside IPv6 takes the stack walk to the same answer.
        var options = Cat(Ip4(Ipv4.ProtoUdp, 8, options: [1, 1, 1, 1, 1, 1, 1, 0], src: 7, dst: 9), Udp(4321, 53, 0));
        var withOptions = KeyOf(Cat(Eth(Ethernet.TypeIpv4), options), HeaderKind.Ethernet, HeaderKind.Ipv4);
        Assert.That(withOptions, Is.EqualTo(FlowKey.Ipv4(7, 9, 4321, 53, Ipv4.ProtoUdp)));
        var inner = Cat(Ip4(Ipv4.ProtoTcp, 20, src: 3, dst: 4), Tcp(1000, 2000));
        var v4InV4 = KeyOf(Cat(Eth(Ethernet.TypeIpv4), Ip4(4, inner.Length), inner), HeaderKind.Ethernet, HeaderKind.Ipv4, HeaderKind.Ipv4, HeaderKind.Tcp);
        Assert.That(v4InV4, Is.EqualTo(FlowKey.Ipv4(3, 4, 1000, 2000, Ipv4.ProtoTcp)));
        var v4InV6 = KeyOf(Cat(Eth(Ethernet.TypeIpv6), Ip6(4, inner.Length), inner), HeaderKind.Ethernet, HeaderKind.Ipv6, HeaderKind.Ipv4);
        Assert.That(v4InV6, Is.EqualTo(FlowKey.Ipv4(3, 4, 1000, 2000, Ipv4.ProtoTcp)));
    }

    [Test]
    public void PortsOutsideTheDatagram_AreNotRead()
    {
        // IPv4 says TCP but carries only 2 bytes of it; the bytes after the datagram are padding.
        var frame = Cat(Eth(Ethernet.TypeIpv4), Ip4(Ipv4.ProtoTcp, 2), new byte[] { 0x12, 0x34 }, new byte[] { 0x56, 0x78, 0x9A, 0xBC });
        var key = KeyOf(frame, HeaderKind.Ethernet, HeaderKind.Ipv4);
        Assert.That((key.SourcePort, key.DestinationPort), Is.EqualTo(((ushort)0, (ushort)0)));
    }

    [Test]
    public void HashOf_CachesNonZeroAndIsZeroWithoutIp()
    {
        Parser.With(V4Udp(), d =>
        {
            var p = new Packet(d);
            Assert.That(Parser.Run(d, HeaderKind.Ethernet), Is.EqualTo(ParseStatus.Ok));
            Assert.That(FlowKey.HashOf(p), Is.Zero);
            Assert.That(FlowKey.TryGet(p, out _), Is.False);
            Assert.That(Parser.Run(d, HeaderKind.Ipv4), Is.EqualTo(ParseStatus.Ok));
            uint h = FlowKey.HashOf(p);
            Assert.That(h, Is.Not.Zero);
            Assert.That(FlowKey.TryGet(p, out var key), Is.True);
            Assert.That(h, Is.EqualTo(key.Hash() | 1));
            Assert.That(p.FlowHash, Is.EqualTo(h));
            p.FlowHash = 77;
            Assert.That(FlowKey.HashOf(p), Is.EqualTo(77u), "a hash already on the packet (e.g. from the NIC) is used");
        });
    }

    [Test]
    public void Hash_SpreadsFlowsAcrossBuckets()
    {
        var rng = new Random(5);
        var buckets = new int[8];
        var sym = new int[8];
        for (int i = 0; i < 8000; i++)
        {
            var k = FlowKey.Ipv4(0x0A000000 | (uint)rng.Next(1 << 16), 0x0A010000 | (uint)rng.Next(256), (ushort)rng.Next(1024, 65536), 80, 6);
            buckets[k.Hash() % 8]++;
            sym[k.SymmetricHash() % 8]++;
        }
        Assert.That(buckets, Has.All.InRange(850, 1150));
        Assert.That(sym, Has.All.InRange(850, 1150));
    }
}
