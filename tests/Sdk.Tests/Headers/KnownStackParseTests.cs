using Switchboard.Sdk.Tests.Support;

namespace Switchboard.Sdk.Tests.Headers;

/// <summary>
/// The parsers the graph builder picks where it knows the stack (Ethernet right after an NF's entry, IPv4 right after
/// that) must give exactly what the general parsers give: the same status and, on success, the same stack, byte for byte.
/// </summary>
public sealed unsafe class KnownStackParseTests
{
    internal static IEnumerable<byte[]> Frames()
    {
        var baseFrame = Support.Frames.Udp();
        yield return baseFrame;
        for (int n = 0; n < baseFrame.Length; n++) yield return baseFrame[..n]; // every truncation
        foreach (int tags in new[] { 1, 2, 3 })
        {
            var f = new List<byte>(baseFrame[..12]);
            for (int t = 0; t < tags; t++) f.AddRange(new byte[] { (byte)(t == 0 ? 0x88 : 0x81), (byte)(t == 0 ? 0xA8 : 0x00), 0x00, (byte)(10 + t) });
            f.AddRange(baseFrame[12..]);
            yield return f.ToArray();
            yield return f.ToArray()[..(14 + 4 * tags - 2)];
        }
        foreach (var (offset, value) in new (int, byte)[]
                 {
                     (12, 0x86), (13, 0xDD), (12, 0x08), (14, 0x46), (14, 0x44), (14, 0x65), (16, 0x00), (17, 0x10), (16, 0xFF),
                     (20, 0x20), (20, 0x00), (21, 0x01), (20, 0x3F), (23, 6), (23, 1), (23, 4), (13, 0x06),
                 })
        {
            var f = (byte[])baseFrame.Clone();
            f[offset] = value;
            yield return f;
        }
        // One 802.1Q tag, then IPv4: whole, and cut inside the IPv4 header.
        var dot1q = new List<byte>(baseFrame[..12]);
        dot1q.AddRange(new byte[] { 0x81, 0x00, 0x00, 0x2A });
        dot1q.AddRange(baseFrame[12..]);
        yield return dot1q.ToArray();
        yield return dot1q.ToArray()[..(18 + 19)];
        var dot1qOptions = dot1q.ToArray();
        dot1qOptions[18] = 0x46;
        yield return dot1qOptions;
        var padded = new byte[baseFrame.Length + 20];
        baseFrame.CopyTo(padded, 0);
        yield return padded; // link-layer padding after the datagram
    }

    private static (ParseStatus Eth, ParseStatus Ip, byte[] Stack) Run(byte[] frame, bool known)
    {
        var d = TestPool.Make(frame);
        try
        {
            d->Headers.Clear();
            var eth = known ? HeaderParser.ParseEthernetFirst(d) : HeaderParser.Parse(d, HeaderKind.Ethernet);
            var ip = eth != ParseStatus.Ok ? eth : known ? HeaderParser.ParseIpv4AfterEthernet(d) : HeaderParser.Parse(d, HeaderKind.Ipv4);
            if (ip == ParseStatus.Ok) ExpectEthernetThenIpv4(d, frame);
            var stack = new ReadOnlySpan<byte>(&d->Headers, sizeof(HeaderStack)).ToArray();
            return (eth, ip, stack);
        }
        finally { TestPool.Free(d); }
    }

    /// <summary>The stack field by field, from the frame's own bytes (an oracle independent of both parsers).</summary>
    private static void ExpectEthernetThenIpv4(PacketDesc* d, byte[] frame)
    {
        ref var h = ref d->Headers;
        int l2 = 14;
        while (frame[l2 - 2] is 0x81 or 0x88) l2 += 4;
        int ihl = (frame[l2] & 0xF) * 4, total = frame[l2 + 2] << 8 | frame[l2 + 3], frag = (frame[l2 + 6] << 8 | frame[l2 + 7]) & 0x3FFF;
        Assert.That((h.Depth, h.Kinds[0], h.Kinds[1], h.Offsets[0], h.Offsets[1], h.Lengths[0], h.Lengths[1]),
            Is.EqualTo(((byte)2, (byte)HeaderKind.Ethernet, (byte)HeaderKind.Ipv4, (ushort)0, (ushort)l2, (ushort)l2, (ushort)ihl)));
        Assert.That((h.ByKind[(int)HeaderKind.Ethernet], h.ByKind[(int)HeaderKind.Ipv4], h.ByKind[(int)HeaderKind.Tcp]),
            Is.EqualTo(((ushort)0, (ushort)l2, PacketDesc.Absent)));
        Assert.That((h.IpProtocol, h.NetworkEnd, h.Fragment, h.NonFirstFragment),
            Is.EqualTo((frame[l2 + 9], (ushort)(l2 + total), frag != 0, (frag & 0x1FFF) != 0)));
    }

    [Test]
    public void KnownStackParsers_MatchTheGeneralOnes_OnEveryFrame()
    {
        int ok = 0, checkedFrames = 0;
        foreach (var frame in Frames())
        {
            var general = Run(frame, known: false);
            var known = Run(frame, known: true);
            Assert.That((known.Eth, known.Ip), Is.EqualTo((general.Eth, general.Ip)), $"frame of {frame.Length} bytes: {Convert.ToHexString(frame)}");
            if (general.Ip == ParseStatus.Ok)
            {
                Assert.That(known.Stack, Is.EqualTo(general.Stack), $"stack after frame {Convert.ToHexString(frame)}");
                ok++;
            }
            checkedFrames++;
        }
        Assert.That(ok, Is.GreaterThan(5), "the cases include frames that parse");
        Assert.That(checkedFrames - ok, Is.GreaterThan(40), "and frames that do not");
    }

    [Test]
    public void OneWriteEntryEthernetIpv4_LeavesTheSameStack_OrWritesNothing()
    {
        int written = 0;
        foreach (var frame in Frames())
        {
            var general = Run(frame, known: false);
            var d = TestPool.Make(frame);
            try
            {
                // Garbage where the stack goes: a write must not depend on what was there (it replaces the entry's clear).
                new Span<byte>(&d->Headers, sizeof(HeaderStack)).Fill(0xA5);
                var before = new ReadOnlySpan<byte>(&d->Headers, sizeof(HeaderStack)).ToArray();
                bool wrote = HeaderParser.TryWriteEntryStack<NoParse, NoParse, NoParse>(d, notCarryingIpv6: false) == 1;
                var after = new ReadOnlySpan<byte>(&d->Headers, sizeof(HeaderStack)).ToArray();
                if (!wrote)
                {
                    Assert.That(after, Is.EqualTo(before), $"nothing written for {Convert.ToHexString(frame)}");
                    continue;
                }
                written++;
                Assert.That(general.Ip, Is.EqualTo(ParseStatus.Ok), $"only frames the steps parse: {Convert.ToHexString(frame)}");
                ExpectEthernetThenIpv4(d, frame);
                // Byte for byte where the steps write (entries past the second are never read at depth 2).
                Assert.That(after[..(HeaderStack.OffKinds + 2)], Is.EqualTo(general.Stack[..(HeaderStack.OffKinds + 2)]));
                Assert.That(after[HeaderStack.OffOffsets..(HeaderStack.OffOffsets + 4)], Is.EqualTo(general.Stack[HeaderStack.OffOffsets..(HeaderStack.OffOffsets + 4)]));
                Assert.That(after[HeaderStack.OffLengths..(HeaderStack.OffLengths + 4)], Is.EqualTo(general.Stack[HeaderStack.OffLengths..(HeaderStack.OffLengths + 4)]));
            }
            finally { TestPool.Free(d); }
        }
        Assert.That(written, Is.GreaterThan(5), "untagged option-less IPv4 frames take the one write");
    }

    [Test]
    public void InlineRefusals_GiveTheFullParsersStatus_AndLeaveTheStack()
    {
        var d = TestPool.Make(Support.Frames.Udp());
        try
        {
            d->Headers.Clear();
            Assert.That(HeaderParser.Parse(d, HeaderKind.Ethernet), Is.EqualTo(ParseStatus.Ok));
            Assert.That(HeaderParser.Parse(d, HeaderKind.Ipv6), Is.EqualTo(ParseStatus.NotThisProtocol), "IPv6 after an IPv4 EtherType");
            Assert.That(HeaderParser.Parse(d, HeaderKind.Ipv4), Is.EqualTo(ParseStatus.Ok));
            var before = new ReadOnlySpan<byte>(&d->Headers, sizeof(HeaderStack)).ToArray();
            foreach (var k in new[] { HeaderKind.Tcp, HeaderKind.Icmp, HeaderKind.Icmpv6, HeaderKind.Ipv6 })
                Assert.That(HeaderParser.Parse(d, k), Is.EqualTo(ParseStatus.NotThisProtocol), k.ToString());
            Assert.That(new ReadOnlySpan<byte>(&d->Headers, sizeof(HeaderStack)).ToArray(), Is.EqualTo(before));
            Assert.That(HeaderParser.Parse(d, HeaderKind.Udp), Is.EqualTo(ParseStatus.Ok));
            Assert.That(HeaderParser.Parse(d, HeaderKind.Udp), Is.EqualTo(ParseStatus.NotThisProtocol), "UDP on top of UDP: the protocol matches, the top does not");
        }
        finally { TestPool.Free(d); }
    }
}
