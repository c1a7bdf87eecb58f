using Switchboard.Sdk.Runtime;
using Switchboard.Sdk.Tests.Support;

namespace Switchboard.Sdk.Tests.Packets;

/// <summary>Growing and shrinking a packet in place (encapsulation, padding, trimming): within the buffer's headroom
/// and tailroom only, never into parsed headers, and parsed headers stay where their bytes are.</summary>
public sealed unsafe class PacketResizeTests
{
    private static void WithParsed(byte[] frame, Action<Packet> body)
    {
        var d = TestPool.Make(frame);
        try
        {
            d->Headers.Clear();
            Assert.That(HeaderParser.Parse(d, HeaderKind.Ethernet), Is.EqualTo(ParseStatus.Ok));
            Assert.That(HeaderParser.Parse(d, HeaderKind.Ipv4), Is.EqualTo(ParseStatus.Ok));
            body(new Packet(d));
        }
        finally { TestPool.Free(d); }
    }

    [Test]
    public void TryPrepend_AddsZeroedBytesInFront_AndParsedHeadersFollowTheirBytes()
    {
        var frame = Frames.Udp(ttl: 33);
        WithParsed(frame, p =>
        {
            Assert.That(p.TryPrepend(8), Is.True);
            Assert.That(p.Length, Is.EqualTo(frame.Length + 8));
            Assert.That(p.Data[..8].ToArray(), Is.All.Zero);
            Assert.That(p.Data[8..].ToArray(), Is.EqualTo(frame));
            Assert.That(p.OffsetOf(HeaderKind.Ipv4), Is.EqualTo(8 + Ethernet.Size));
            Assert.That(p.Ipv4.Ttl, Is.EqualTo(33));
            Assert.That(p.Payload.ToArray(), Is.EqualTo(frame[(Ethernet.Size + Ipv4.MinSize)..]));
        });
    }

    [Test]
    public void TryPrepend_RefusesMoreThanTheHeadroom_OrANegativeCount()
    {
        WithParsed(Frames.Udp(), p =>
        {
            int before = p.Length;
            Assert.That(p.TryPrepend(NativePool.DefaultHeadroom + 1), Is.False);
            Assert.That(p.TryPrepend(-1), Is.False);
            Assert.That(p.Length, Is.EqualTo(before));
            Assert.That(p.TryPrepend(NativePool.DefaultHeadroom), Is.True, "all of the headroom");
        });
    }

    [Test]
    public void TryAppend_AddsZeroedBytesAtTheEnd_WithinTheTailroom()
    {
        var frame = Frames.Udp();
        WithParsed(frame, p =>
        {
            Assert.That(p.TryAppend(6), Is.True);
            Assert.That(p.Length, Is.EqualTo(frame.Length + 6));
            Assert.That(p.Data[^6..].ToArray(), Is.All.Zero);
            Assert.That(p.TryAppend(-1), Is.False);
            Assert.That(p.TryAppend(1 << 20), Is.False);
            Assert.That(p.Length, Is.EqualTo(frame.Length + 6));
        });
    }

    [Test]
    public void TryTrim_ShrinksTheEnd_ButNeverIntoParsedHeaders()
    {
        var frame = Frames.Udp();
        WithParsed(frame, p =>
        {
            int headers = Ethernet.Size + Ipv4.MinSize;
            Assert.That(p.TryTrim(frame.Length - headers + 1), Is.False, "would cut the IPv4 header");
            Assert.That(p.TryTrim(-1), Is.False);
            Assert.That(p.TryTrim(frame.Length - headers), Is.True, "down to the headers");
            Assert.That(p.Length, Is.EqualTo(headers));
            Assert.That(p.Payload.IsEmpty, Is.True);
        });
    }
}
