using System.Buffers.Binary;
using Switchboard.Host.Ports;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Host.Tests.Ports;

/// <summary>Reading classic pcap files built byte by byte: both byte orders, both timestamp
/// resolutions, and clear errors for files we cannot use.</summary>
public sealed class PcapFileTests
{
    private NativePool _pool = null!;
    private readonly List<string> _files = [];

    [OneTimeSetUp] public void CreatePool() => _pool = new NativePool("pcap-file-tests", 1024, maxWorkers: 1);
    [OneTimeTearDown] public void DisposePool() => _pool.Dispose();

    [TearDown]
    public void CheckNoLeak()
    {
        foreach (var f in _files) File.Delete(f);
        _files.Clear();
        Assert.That(_pool.InUse, Is.Zero, "every buffer returned to the pool");
    }

    /// <summary>A pcap image written field by field in the chosen byte order.</summary>
    internal static byte[] Build(bool bigEndian, uint magic, uint linkType, IEnumerable<(uint Sec, uint Frac, byte[] Data, uint Orig)> records, uint snap = 65535)
    {
        var ms = new MemoryStream();
        void U32(uint v)
        {
            Span<byte> b = stackalloc byte[4];
            if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(b, v); else BinaryPrimitives.WriteUInt32LittleEndian(b, v);
            ms.Write(b);
        }
        void U16(ushort v)
        {
            Span<byte> b = stackalloc byte[2];
            if (bigEndian) BinaryPrimitives.WriteUInt16BigEndian(b, v); else BinaryPrimitives.WriteUInt16LittleEndian(b, v);
            ms.Write(b);
        }
        U32(magic); U16(2); U16(4); U32(0); U32(0); U32(snap); U32(linkType);
        foreach (var r in records)
        {
            U32(r.Sec); U32(r.Frac); U32((uint)r.Data.Length); U32(r.Orig);
            ms.Write(r.Data);
        }
        return ms.ToArray();
    }

    private static readonly byte[] FrameA = PortTestSupport.Udp(0x0A000001, 0x0A000002, 1000, 53, 80, fill: 0xAA);
    private static readonly byte[] FrameB = PortTestSupport.Tcp(0x0A000003, 0x0A000004, 2000, 80, 100);

    private string WriteTemp(byte[] bytes)
    {
        var path = PortTestSupport.TempPath("pcap");
        File.WriteAllBytes(path, bytes);
        _files.Add(path);
        return path;
    }

    [TestCase(false, PcapFile.MagicMicros)]
    [TestCase(false, PcapFile.MagicNanos)]
    [TestCase(true, PcapFile.MagicMicros)]
    [TestCase(true, PcapFile.MagicNanos)]
    public void ReadsEitherByteOrderAndResolution(bool bigEndian, uint magic)
    {
        bool nanos = magic == PcapFile.MagicNanos;
        uint frac = nanos ? 123_456_789u : 123_456u;
        var bytes = Build(bigEndian, magic, 1, [(1_700_000_000, frac, FrameA, (uint)FrameA.Length), (1_700_000_001, 0, FrameB, 1500)], snap: 4096);

        var file = PcapFile.Parse(bytes, "hand.pcap");

        Assert.That(file.BigEndian, Is.EqualTo(bigEndian));
        Assert.That(file.Nanosecond, Is.EqualTo(nanos));
        Assert.That(file.SnapLength, Is.EqualTo(4096));
        Assert.That(file.Records.Length, Is.EqualTo(2));
        Assert.That(file.Frame(0).ToArray(), Is.EqualTo(FrameA));
        Assert.That(file.Frame(1).ToArray(), Is.EqualTo(FrameB));
        Assert.That(file.Records[0].TimestampNanos, Is.EqualTo(1_700_000_000L * 1_000_000_000 + (nanos ? 123_456_789 : 123_456_000)));
        Assert.That(file.Records[1].OriginalLength, Is.EqualTo(1500), "original length kept apart from the captured length");
        Assert.That(file.Records[1].CapturedLength, Is.EqualTo(FrameB.Length));
    }

    [Test]
    public unsafe void PortReplaysNanosecondBigEndianFile()
    {
        var path = WriteTemp(Build(true, PcapFile.MagicNanos, 1, [(1, 2, FrameA, (uint)FrameA.Length), (3, 4, FrameB, (uint)FrameB.Length)]));
        using var port = new PcapReaderPort("in", PcapFile.Load(path), loop: false, portIndex: 3, queues: 1, _pool);

        var frames = PortTestSupport.Drain(port, 0, expectedPort: 3);

        Assert.That(PortTestSupport.Hex(frames), Is.EqualTo(PortTestSupport.Hex([FrameA, FrameB])));
        Assert.That(port.Exhausted, Is.True);
    }

    [Test]
    public void TruncatedRecordDataNamesFileAndOffset()
    {
        var bytes = Build(false, PcapFile.MagicMicros, 1, [(0, 0, FrameA, (uint)FrameA.Length), (0, 0, FrameB, (uint)FrameB.Length)]);
        var cut = bytes[..^10];
        int secondRecordOffset = PcapFile.FileHeaderSize + PcapFile.RecordHeaderSize + FrameA.Length;

        var ex = Assert.Throws<InvalidDataException>(() => PcapFile.Parse(cut, "cut.pcap"));

        Assert.That(ex!.Message, Does.Contain("cut.pcap").And.Contain("truncated").And.Contain($"offset {secondRecordOffset}"));
    }

    [Test]
    public void TruncatedRecordHeaderNamesFileAndOffset()
    {
        var bytes = Build(false, PcapFile.MagicMicros, 1, [(0, 0, FrameA, (uint)FrameA.Length)]);
        var cut = bytes.Concat(new byte[7]).ToArray();

        var ex = Assert.Throws<InvalidDataException>(() => PcapFile.Parse(cut, "hdr.pcap"));

        Assert.That(ex!.Message, Does.Contain("hdr.pcap").And.Contain("truncated").And.Contain($"offset {bytes.Length}"));
    }

    [Test]
    public void FileShorterThanHeaderIsRejected()
    {
        var ex = Assert.Throws<InvalidDataException>(() => PcapFile.Parse(new byte[10], "tiny.pcap"));
        Assert.That(ex!.Message, Does.Contain("tiny.pcap").And.Contain("too short"));
    }

    [Test]
    public void NonEthernetLinkTypeIsRejectedNamingFileAndType()
    {
        var path = WriteTemp(Build(false, PcapFile.MagicMicros, 101, [(0, 0, FrameA, (uint)FrameA.Length)])); // 101 = raw IP

        var ex = Assert.Throws<InvalidDataException>(() => PcapFile.Load(path));

        Assert.That(ex!.Message, Does.Contain(path).And.Contain("link type 101").And.Contain("Ethernet"));
    }

    [Test]
    public void UnknownMagicAndPcapngAreRejected()
    {
        var junk = new byte[64];
        Assert.That(Assert.Throws<InvalidDataException>(() => PcapFile.Parse(junk, "junk.bin"))!.Message,
            Does.Contain("junk.bin").And.Contain("not a pcap file"));
        var ng = new byte[64];
        BinaryPrimitives.WriteUInt32LittleEndian(ng, 0x0a0d0d0a);
        Assert.That(Assert.Throws<InvalidDataException>(() => PcapFile.Parse(ng, "x.pcapng"))!.Message, Does.Contain("pcapng"));
    }

    [Test]
    public void EmptyFileReplaysNothingAndIsExhausted()
    {
        var path = WriteTemp(Build(false, PcapFile.MagicMicros, 1, []));
        using var port = new PcapReaderPort("in", PcapFile.Load(path), loop: true, portIndex: 0, queues: 2, _pool);

        Assert.That(PortTestSupport.Drain(port, 0).Concat(PortTestSupport.Drain(port, 1)), Is.Empty);
        Assert.That(port.Exhausted, Is.True);
    }
}
