using System.Buffers.Binary;

namespace Switchboard.Host.Ports;

/// <summary>One record of a classic pcap file: where its captured bytes sit in <see cref="PcapFile.Bytes"/>.</summary>
internal readonly record struct PcapRecord(long TimestampNanos, int Offset, int CapturedLength, int OriginalLength);

/// <summary>
/// A classic libpcap file (https://wiki.wireshark.org/Development/LibpcapFileFormat) held in memory:
/// either byte order, microsecond (0xa1b2c3d4) or nanosecond (0xa1b23c4d) timestamps, Ethernet link
/// type only. The whole file stays one array and records point into it, so loading allocates once.
/// </summary>
internal sealed class PcapFile
{
    public const uint MagicMicros = 0xa1b2c3d4, MagicNanos = 0xa1b23c4d;
    public const uint LinkTypeEthernet = 1;
    public const int FileHeaderSize = 24, RecordHeaderSize = 16;
    /// <summary>Largest record Wireshark accepts (WTAP_MAX_PACKET_SIZE_STANDARD); larger means a corrupt file.</summary>
    public const int MaxRecordLength = 262144;
    private const uint MagicPcapng = 0x0a0d0d0a;

    private PcapFile(string path, byte[] bytes, bool bigEndian, bool nanosecond, int snapLength, uint linkType, PcapRecord[] records)
    {
        Path = path; Bytes = bytes; BigEndian = bigEndian; Nanosecond = nanosecond;
        SnapLength = snapLength; LinkType = linkType; _records = records;
    }

    public string Path { get; }
    public byte[] Bytes { get; }
    public bool BigEndian { get; }
    public bool Nanosecond { get; }
    public int SnapLength { get; }
    public uint LinkType { get; }
    private readonly PcapRecord[] _records;
    public ReadOnlySpan<PcapRecord> Records => _records;

    public ReadOnlySpan<byte> Frame(int index)
    {
        var r = _records[index];
        return Bytes.AsSpan(r.Offset, r.CapturedLength);
    }

    public static PcapFile Load(string path) => Parse(File.ReadAllBytes(path), path);

    /// <summary>Parse a whole file's bytes; <paramref name="path"/> names the file in error messages.</summary>
    public static PcapFile Parse(byte[] bytes, string path)
    {
        if (bytes.Length < FileHeaderSize)
            throw Bad(path, $"is {bytes.Length} bytes, too short for the {FileHeaderSize}-byte pcap file header");
        uint magicLe = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        uint magicBe = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        bool bigEndian, nanos;
        if (magicLe is MagicMicros or MagicNanos) { bigEndian = false; nanos = magicLe == MagicNanos; }
        else if (magicBe is MagicMicros or MagicNanos) { bigEndian = true; nanos = magicBe == MagicNanos; }
        else if (magicLe == MagicPcapng)
            throw Bad(path, "is a pcapng file; only classic pcap is supported (convert with: editcap -F pcap in.pcapng out.pcap)");
        else
            throw Bad(path, $"is not a pcap file (magic 0x{magicLe:x8} at offset 0)");

        uint U32(int offset) => bigEndian
            ? BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(offset)) : BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));

        int snap = (int)Math.Min(U32(16), int.MaxValue);
        // The upper bits of the link-type field carry optional FCS information (pcap spec, LinkType).
        uint linkType = U32(20) & 0x03FF_FFFF;
        if (linkType != LinkTypeEthernet)
            throw Bad(path, $"has link type {linkType}; only Ethernet (link type 1) is supported");

        var records = new List<PcapRecord>();
        int pos = FileHeaderSize;
        while (pos < bytes.Length)
        {
            if (bytes.Length - pos < RecordHeaderSize)
                throw Bad(path, $"is truncated: record {records.Count} header at offset {pos} needs {RecordHeaderSize} bytes but only {bytes.Length - pos} remain");
            uint sec = U32(pos), frac = U32(pos + 4), incl = U32(pos + 8), orig = U32(pos + 12);
            if (incl > MaxRecordLength)
                throw Bad(path, $"is corrupt: record {records.Count} at offset {pos} claims {incl} captured bytes (more than {MaxRecordLength})");
            int data = pos + RecordHeaderSize;
            if (bytes.Length - data < incl)
                throw Bad(path, $"is truncated: record {records.Count} at offset {pos} has {incl} captured bytes but only {bytes.Length - data} remain");
            long ns = sec * 1_000_000_000L + (nanos ? frac : frac * 1000L);
            records.Add(new PcapRecord(ns, data, (int)incl, (int)Math.Min(orig, int.MaxValue)));
            pos = data + (int)incl;
        }
        return new PcapFile(path, bytes, bigEndian, nanos, snap, linkType, records.ToArray());
    }

    private static InvalidDataException Bad(string path, string what) => new($"pcap file '{path}' {what}.");
}
