using static Switchboard.Sdk.Tests.Headers.Raw;

namespace Switchboard.Sdk.Tests.Headers;

public unsafe class TcpOptionsTests
{
    // MSS 1460, NOP, window scale 7, SACK permitted, timestamps (val 0x01020304, echo 0xA0B0C0D0): 20 bytes.
    private static readonly byte[] SynOptions =
        [2, 4, 0x05, 0xB4, 1, 3, 3, 7, 4, 2, 8, 10, 1, 2, 3, 4, 0xA0, 0xB0, 0xC0, 0xD0];

    [Test]
    public void Options_EnumeratedWithKindsAndData()
    {
        Parser.With(V4Tcp(tcpOptions: SynOptions, payload: 2), d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv4, HeaderKind.Tcp), Is.EqualTo(ParseStatus.Ok));
            var p = new Packet(d);
            Assert.That(p.Tcp.HeaderLength, Is.EqualTo(40));
            Assert.That(p.Payload.Length, Is.EqualTo(2));
            var kinds = new List<byte>();
            var lengths = new List<int>();
            foreach (var o in p.TcpOptions) { kinds.Add(o.Kind); lengths.Add(o.Data.Length); }
            Assert.That(kinds, Is.EqualTo(new byte[] { TcpOptions.MaxSegmentSize, TcpOptions.WindowScale, TcpOptions.SackPermittedKind, TcpOptions.Timestamps }));
            Assert.That(lengths, Is.EqualTo(new[] { 2, 1, 0, 8 }));
            var opts = p.TcpOptions;
            Assert.That(opts.IsWellFormed, Is.True);
            Assert.That(opts.TryGetMss(out var mss) && mss == 1460, Is.True);
            Assert.That(opts.TryGetWindowScale(out var ws) && ws == 7, Is.True);
            Assert.That(opts.SackPermitted, Is.True);
            Assert.That(opts.TryGetTimestamps(out var tsv, out var tse), Is.True);
            Assert.That((tsv, tse), Is.EqualTo((0x01020304u, 0xA0B0C0D0u)));
            Assert.That(opts.TryFind(TcpOptions.Sack, out _), Is.False);
        });
    }

    [Test]
    public void Mss_ClampingWritesThePacketAndIncrementalChecksumStaysValid()
    {
        Parser.With(V4Tcp(tcpOptions: SynOptions), d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv4, HeaderKind.Tcp), Is.EqualTo(ParseStatus.Ok));
            var p = new Packet(d);
            Assert.That(p.TryRecomputeTransportChecksum(), Is.True);
            Assert.That(p.TcpOptions.TrySetMss(1360, out var old), Is.True);
            Assert.That(old, Is.EqualTo(1460));
            Assert.That(p.Data[14 + 20 + 22], Is.EqualTo(0x05));
            Assert.That(p.Data[14 + 20 + 23], Is.EqualTo(0x50));
            Assert.That(p.IsTransportChecksumValid(), Is.False);
            // MSS value sits at TCP offset 22 (even), a whole 16-bit word.
            p.Tcp.Checksum = Checksum.Update(p.Tcp.Checksum, old, (ushort)1360);
            Assert.That(p.IsTransportChecksumValid(), Is.True);
        });
    }

    [Test]
    public void NoOptions_EmptyAndNothingFound()
    {
        Parser.With(V4Tcp(), d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv4, HeaderKind.Tcp), Is.EqualTo(ParseStatus.Ok));
            var o = new Packet(d).TcpOptions;
            Assert.That(o.Bytes.IsEmpty && o.IsWellFormed && !o.SackPermitted && !o.TryGetMss(out _), Is.True);
        });
    }

    [TestCase(new byte[] { 2, 1, 0, 0 }, TestName = "LengthBelowTwo")]
    [TestCase(new byte[] { 1, 1, 8, 10 }, TestName = "LengthPastEnd")]
    [TestCase(new byte[] { 1, 1, 1, 8 }, TestName = "LengthByteMissing")]
    public void Malformed_StopsEnumerationWithoutReadingOutside(byte[] options)
    {
        Parser.With(V4Tcp(tcpOptions: options), d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv4, HeaderKind.Tcp), Is.EqualTo(ParseStatus.Ok));
            var o = new Packet(d).TcpOptions;
            int n = 0;
            foreach (var _ in o) n++;
            Assert.That(n, Is.Zero);
            Assert.That(o.IsWellFormed, Is.False);
            Assert.That(o.TryGetTimestamps(out _, out _), Is.False);
        });
    }

    [Test]
    public void EndOfList_StopsEnumerationAndIsWellFormed()
    {
        Parser.With(V4Tcp(tcpOptions: [4, 2, 0, 2, 4, 5, 0xB4, 0]), d =>
        {
            Assert.That(Parser.Run(d, HeaderKind.Ethernet, HeaderKind.Ipv4, HeaderKind.Tcp), Is.EqualTo(ParseStatus.Ok));
            var o = new Packet(d).TcpOptions;
            Assert.That(o.SackPermitted, Is.True);
            Assert.That(o.TryGetMss(out _), Is.False, "options after EOL are ignored");
            Assert.That(o.IsWellFormed, Is.True);
        });
    }
}
