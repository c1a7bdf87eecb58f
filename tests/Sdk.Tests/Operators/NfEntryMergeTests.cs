using Switchboard.Sdk.Tests.Headers;
using Switchboard.Sdk.Tests.Support;

namespace Switchboard.Sdk.Tests.Operators;

/// <summary>
/// An NF that begins with an Ethernet and an IPv4 parse (each a Parse or a TryParse) gets its entry and both parses as
/// one stage. Whatever the frame, the merged stage must leave what the three separate stages leave: the same packets
/// out, the same header stack, the same counts on each operator's node.
/// </summary>
public sealed unsafe class NfEntryMergeTests
{
    private sealed record Run(List<string> Stacks, Capture Out, GraphHarness Harness, int FirstNodeStages);

    private static Run Build(bool merge, bool ethDrops, bool ipDrops, bool ipv6 = false, params HeaderKind[] tries)
    {
        var h = new GraphHarness();
        var entry = new NfEntryNode();
        var pipe = merge ? h.Input.BeginNf(entry) : h.Input.Fuse(new NfEntryStage(entry), entry, "entry", KnownStack.Empty);
        pipe = ethDrops ? pipe.Parse<Ethernet>() : pipe.TryParse<Ethernet>();
        pipe = ipDrops ? pipe.Parse<Ipv4>() : pipe.TryParse<Ipv4>();
        if (ipv6) pipe = pipe.TryParse<Ipv6>();
        foreach (var kind in tries)
            pipe = kind switch
            {
                HeaderKind.Tcp => pipe.TryParse<Tcp>(),
                HeaderKind.Udp => pipe.TryParse<Udp>(),
                HeaderKind.Icmp => pipe.TryParse<Icmp>(),
                HeaderKind.Ipv6 => pipe.TryParse<Ipv6>(),
                _ => throw new ArgumentOutOfRangeException(nameof(tries)),
            };
        var stacks = new List<string>();
        var output = h.Capture(pipe.Transform(p => stacks.Add(Describe(p.Desc))));
        return new Run(stacks, output, h, ((FusedNode)h.Entry).StageCount);
    }

    /// <summary>What the stack says (the entries below its depth, the index by kind, the IP state).</summary>
    private static string Describe(PacketDesc* d)
    {
        var h = d->Headers;
        var entries = new List<string>();
        for (int i = 0; i < h.Depth; i++) entries.Add($"{(HeaderKind)h.Kinds[i]}@{h.Offsets[i]}+{h.Lengths[i]}");
        var byKind = new List<string>();
        for (int k = 0; k < 8; k++) byKind.Add(h.ByKind[k].ToString());
        return $"{string.Join(",", entries)} | {string.Join(",", byKind)} | end {h.NetworkEnd} proto {h.IpProtocol} frag {h.Fragment}/{h.NonFirstFragment} hash {d->FlowHash}";
    }

    private static IEnumerable<byte[]> Frames()
    {
        foreach (var f in KnownStackParseTests.Frames()) yield return f;
        yield return Support.Frames.Tcp();
        // Raw IPv4 whose bytes 12, 16 and 20 read as three VLAN tags: Ethernet refuses it, a try-parse of IPv4 then takes it from byte 0.
        var raw = new byte[40];
        raw[0] = 0x45; raw[3] = 40; raw[8] = 64; raw[9] = 17;
        raw[12] = raw[16] = raw[20] = 0x81;
        yield return raw;
        // IPv6: untagged, tagged, cut inside its header; IPv6 inside IPv4 (protocol 41), and protocol 41 over bytes that are not IPv6.
        var buf = new byte[256];
        var v6 = buf[..FrameBuilder.Ipv6Udp(buf, Ipv6Address.Parse("2001:db8::1"), Ipv6Address.Parse("2001:db8::2"), 1234, 53, [1, 2, 3])];
        yield return v6;
        yield return v6[..30];
        yield return [.. v6[..12], 0x81, 0x00, 0x00, 0x07, .. v6[12..]];
        var outer = Support.Frames.Udp();
        var sixInFour = new byte[34 + v6.Length - 14]; // Ethernet and IPv4 headers, then the IPv6 datagram
        outer.AsSpan(0, 34).CopyTo(sixInFour);
        v6.AsSpan(14).CopyTo(sixInFour.AsSpan(34));
        int total = sixInFour.Length - 14;
        sixInFour[16] = (byte)(total >> 8);
        sixInFour[17] = (byte)total;
        sixInFour[23] = Ipv4.ProtoIpv6;
        yield return sixInFour;
        var notSix = (byte[])outer.Clone();
        notSix[23] = Ipv4.ProtoIpv6;
        yield return notSix;
        // Transport headers: valid, cut, a bad TCP data offset, a UDP length beyond the datagram (as a first fragment too),
        // later fragments, ICMP echo, and TCP behind a VLAN tag.
        var tcp = Support.Frames.Tcp();
        yield return tcp;
        yield return Truncate(tcp, 20 + 19);
        var badOffset = (byte[])tcp.Clone();
        badOffset[46] = 0x40;
        yield return badOffset;
        var longOffset = (byte[])tcp.Clone();
        longOffset[46] = 0xF0;
        yield return longOffset;
        var udp = Support.Frames.Udp();
        yield return Truncate(udp, 20 + 7);
        var longUdp = (byte[])udp.Clone();
        longUdp[38] = 0x7F;
        yield return longUdp;
        var firstFragment = (byte[])longUdp.Clone();
        firstFragment[20] = 0x20;
        yield return firstFragment;
        foreach (var frame in new[] { tcp, udp })
        {
            var later = (byte[])frame.Clone();
            later[21] = 0x10;
            yield return later;
        }
        var icmp = new byte[128];
        var echo = icmp[..FrameBuilder.Ipv4IcmpEcho(icmp, Ipv4.Address("10.0.0.1"), Ipv4.Address("10.0.0.2"), 8, 7, 1, [9, 9])];
        yield return echo;
        yield return Truncate(echo, 20 + 7);
        yield return [.. tcp[..12], 0x81, 0x00, 0x00, 0x07, .. tcp[12..]];
    }

    /// <summary>The frame with its IPv4 datagram cut to <paramref name="ipBytes"/> (total length too, so it stays whole).</summary>
    private static byte[] Truncate(byte[] frame, int ipBytes)
    {
        var cut = frame[..(14 + ipBytes)];
        cut[16] = (byte)(ipBytes >> 8);
        cut[17] = (byte)ipBytes;
        return cut;
    }

    [TestCase(true, true)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    [TestCase(false, false)]
    public void MergedEntryEthernetIpv4_LeavesAndCountsWhatTheSeparateStagesDo(bool ethDrops, bool ipDrops)
    {
        var frames = Frames().ToArray();
        var merged = Build(merge: true, ethDrops, ipDrops);
        var separate = Build(merge: false, ethDrops, ipDrops);
        merged.Harness.Push(frames);
        separate.Harness.Push(frames);

        Assert.That((merged.FirstNodeStages, separate.FirstNodeStages), Is.EqualTo((2, 4)), "entry and both parses are one stage");
        Assert.That(merged.Stacks, Is.EqualTo(separate.Stacks));
        Assert.That(merged.Out.Packets.Select(p => Convert.ToHexString(p.Bytes)), Is.EqualTo(separate.Out.Packets.Select(p => Convert.ToHexString(p.Bytes))));
        Assert.That(Counts(merged.Harness), Is.EqualTo(Counts(separate.Harness)));
        Assert.That(merged.Stacks.Count(s => s.StartsWith("Ethernet@0+14,Ipv4@14+20")), Is.GreaterThan(5), "frames that take the one write");
        Assert.That(merged.Harness.InUseDelta, Is.Zero);
        if (!ethDrops && !ipDrops)
            Assert.That(merged.Stacks, Has.Some.StartsWith("Ipv4@0+20"), "raw IPv4 after a refused Ethernet");
    }

    [TestCase(true, true)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    [TestCase(false, false)]
    public void MergedEntryEthernetIpv4Ipv6_LeavesAndCountsWhatTheSeparateStagesDo(bool ethDrops, bool ipDrops)
    {
        var frames = Frames().ToArray();
        var merged = Build(merge: true, ethDrops, ipDrops, ipv6: true);
        var separate = Build(merge: false, ethDrops, ipDrops, ipv6: true);
        merged.Harness.Push(frames);
        separate.Harness.Push(frames);

        // A try-parse of IPv4 merges the IPv6 try-parse after it too; a Parse of IPv4 (which drops IPv6) leaves it its own stage.
        Assert.That((merged.FirstNodeStages, separate.FirstNodeStages), Is.EqualTo((ipDrops ? 3 : 2, 5)));
        Assert.That(merged.Stacks, Is.EqualTo(separate.Stacks));
        Assert.That(merged.Out.Packets.Select(p => Convert.ToHexString(p.Bytes)), Is.EqualTo(separate.Out.Packets.Select(p => Convert.ToHexString(p.Bytes))));
        Assert.That(Counts(merged.Harness), Is.EqualTo(Counts(separate.Harness)));
        Assert.That(merged.Harness.InUseDelta, Is.Zero);
        if (!ipDrops)
        {
            Assert.That(merged.Stacks, Has.Some.StartsWith("Ethernet@0+14,Ipv6@14+40"), "IPv6 parsed");
            Assert.That(merged.Stacks, Has.Some.StartsWith("Ethernet@0+18,Ipv6@18+40"), "IPv6 behind a VLAN tag parsed");
            Assert.That(merged.Stacks, Has.Some.StartsWith("Ethernet@0+14,Ipv4@14+20,Ipv6@34+40"), "IPv6 inside IPv4 parsed");
            var ip6 = merged.Harness.Builder.Nodes.OfType<TryParseNode<Ipv6>>().Single();
            Assert.That(ip6.NotParsed, Is.GreaterThan(5), "IPv4 frames are counted as not IPv6");
        }
    }

    [TestCase(true, true, new[] { HeaderKind.Tcp, HeaderKind.Udp, HeaderKind.Icmp })]
    [TestCase(false, false, new[] { HeaderKind.Tcp, HeaderKind.Udp, HeaderKind.Icmp })]
    [TestCase(false, true, new[] { HeaderKind.Udp, HeaderKind.Tcp })]
    [TestCase(true, false, new[] { HeaderKind.Ipv6, HeaderKind.Tcp, HeaderKind.Udp })]
    [TestCase(false, false, new[] { HeaderKind.Icmp })]
    public void MergedTransportTryParses_LeaveAndCountWhatTheSeparateStagesDo(bool ethDrops, bool ipDrops, HeaderKind[] tries)
    {
        var frames = Frames().ToArray();
        var merged = Build(merge: true, ethDrops, ipDrops, tries: tries);
        var separate = Build(merge: false, ethDrops, ipDrops, tries: tries);
        merged.Harness.Push(frames);
        separate.Harness.Push(frames);

        Assert.That((merged.FirstNodeStages, separate.FirstNodeStages), Is.EqualTo((2, 4 + tries.Length)), "entry and every parse are one stage");
        Assert.That(merged.Stacks, Is.EqualTo(separate.Stacks));
        Assert.That(merged.Out.Packets.Select(p => Convert.ToHexString(p.Bytes)), Is.EqualTo(separate.Out.Packets.Select(p => Convert.ToHexString(p.Bytes))));
        Assert.That(Counts(merged.Harness), Is.EqualTo(Counts(separate.Harness)));
        Assert.That(merged.Harness.InUseDelta, Is.Zero);
        foreach (var kind in tries.Where(k => k != HeaderKind.Ipv6))
            Assert.That(merged.Stacks, Has.Some.StartsWith($"Ethernet@0+14,Ipv4@14+20,{kind}@34+"), $"{kind} written at once");
    }

    [TestCase(true)]
    [TestCase(false)]
    public void ChainedFrames_AreDroppedAtTheEntry_AndCountedThere(bool merge)
    {
        var run = Build(merge, ethDrops: false, ipDrops: false, tries: [HeaderKind.Udp]);
        // First segments: each datagram goes on past them, as a frame larger than an mbuf does.
        var udp = Support.Frames.Udp(frameSize: 200);
        var tcp = Support.Frames.Tcp();
        run.Harness.PushChained(udp[..^40], tcp[..^8]);
        run.Harness.Push(Support.Frames.Udp());
        var entry = run.Harness.Builder.Nodes.OfType<NfEntryNode>().Single();
        Assert.That((entry.PacketsIn, entry.PacketsDropped), Is.EqualTo((3L, 2L)));
        Assert.That(run.Out.Packets, Has.Count.EqualTo(1), "only the whole frame reaches the NF");
        Assert.That(run.Harness.InUseDelta, Is.Zero);
    }

    [Test]
    public void ARepeatedTryParse_EndsTheMerge()
    {
        var merged = Build(merge: true, ethDrops: false, ipDrops: false, tries: [HeaderKind.Tcp, HeaderKind.Tcp]);
        var separate = Build(merge: false, ethDrops: false, ipDrops: false, tries: [HeaderKind.Tcp, HeaderKind.Tcp]);
        var frames = Frames().ToArray();
        merged.Harness.Push(frames);
        separate.Harness.Push(frames);
        Assert.That(merged.FirstNodeStages, Is.EqualTo(3));
        Assert.That(merged.Stacks, Is.EqualTo(separate.Stacks));
        Assert.That(Counts(merged.Harness), Is.EqualTo(Counts(separate.Harness)));
    }

    private static string[] Counts(GraphHarness h) => h.Builder.Nodes.Select(n => n switch
    {
        IParseFailures p => $"{n.Name} in {n.PacketsIn} dropped {n.PacketsDropped} failures {string.Join(",", p.Failures)}",
        TryParseNode t => $"{n.Name} in {n.PacketsIn} not parsed {t.NotParsed}",
        _ => $"{n.Name} in {n.PacketsIn} dropped {n.PacketsDropped}",
    }).ToArray();

    [Test]
    public void AnEntryFollowedBySomethingElse_RunsAsItsOwnStage()
    {
        var h = new GraphHarness();
        var entry = new NfEntryNode();
        var output = h.Capture(h.Input.BeginNf(entry).Parse<Ethernet>().Parse<Ipv6>());
        var v4 = Support.Frames.Udp();
        h.Push(v4, v4);

        Assert.That(((FusedNode)h.Entry).StageCount, Is.EqualTo(3), "entry, Ethernet, IPv6");
        Assert.That(h.Builder.Nodes.Select(n => n.Name), Is.EqualTo(new[] { "entry", "parse-ethernet", "parse-ipv6", "capture" }));
        Assert.That(h.Builder.Nodes.Select(n => n.PacketsIn), Is.EqualTo(new long[] { 2, 2, 2, 0 }));
        Assert.That(output.Packets, Is.Empty);
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void AnEntryWithNothingAfterIt_StillCountsTheNfsInput()
    {
        var h = new GraphHarness();
        var entry = new NfEntryNode { Name = "fwd" };
        var output = h.Capture(h.Input.BeginNf(entry));
        h.Push(Support.Frames.Udp());

        Assert.That(entry.PacketsIn, Is.EqualTo(1));
        Assert.That(output.Packets.Single().Depth, Is.Zero, "the stack is cleared");
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void AnNfThatAddsNothing_OnlyCountsAtItsEntry()
    {
        var h = new GraphHarness();
        var entry = new NfEntryNode { Name = "fwd" };
        var output = new Capture();
        h.Input.BeginNf(entry).EndNf(output, "exit");
        h.Push(Support.Frames.Udp(), Support.Frames.Tcp());

        Assert.That(h.Entry, Is.InstanceOf<NfEntryCounter>(), "no per-packet stage");
        Assert.That(entry.PacketsIn, Is.EqualTo(2));
        Assert.That(output.Packets.Select(p => p.Bytes), Is.EqualTo(new[] { Support.Frames.Udp(), Support.Frames.Tcp() }));
        Assert.That(h.InUseDelta, Is.Zero);
    }

    [Test]
    public void AnNfThatParses_KeepsItsEntryStage_AtItsExit()
    {
        var h = new GraphHarness();
        var entry = new NfEntryNode { Name = "eth" };
        var output = new Capture();
        h.Input.BeginNf(entry).Parse<Ethernet>().EndNf(output, "exit");
        h.Push(Support.Frames.Udp());

        Assert.That(((FusedNode)h.Entry).StageCount, Is.EqualTo(2), "entry, then Ethernet");
        Assert.That(output.Packets.Single().Top, Is.EqualTo(HeaderKind.Ethernet));
        Assert.That(entry.PacketsIn, Is.EqualTo(1));
    }

    [Test]
    public void APendingEntry_FeedsOneNodeOnly()
    {
        var h = new GraphHarness();
        var input = h.Input.BeginNf(new NfEntryNode());
        input.Parse<Ethernet>();
        Assert.That(() => input.Parse<Ethernet>(), Throws.InvalidOperationException.With.Message.Contains("already connected"));
    }
}
