using System.Buffers.Binary;

namespace Switchboard.Host.Ports;

/// <summary>
/// Writes a classic pcap file: little-endian, microsecond timestamps, Ethernet, so tcpdump and
/// Wireshark read it on any machine. Records are formatted by <see cref="WriteRecord"/> into caller
/// buffers and appended in chunks with <see cref="Append"/>, so the per-packet path never allocates.
/// </summary>
internal sealed class PcapWriter : IDisposable
{
    private readonly FileStream _stream;

    public PcapWriter(string path, int snapLength)
    {
        if (snapLength <= 0) throw new ArgumentOutOfRangeException(nameof(snapLength), $"pcap snap length must be positive, not {snapLength}.");
        Path = path;
        SnapLength = snapLength;
        _stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 1 << 16);
        Span<byte> header = stackalloc byte[PcapFile.FileHeaderSize];
        BinaryPrimitives.WriteUInt32LittleEndian(header, PcapFile.MagicMicros);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 2); // version 2.4
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], 0); // thiszone
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], 0); // sigfigs
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], (uint)snapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], PcapFile.LinkTypeEthernet);
        _stream.Write(header);
    }

    public string Path { get; }
    public int SnapLength { get; }

    /// <summary>Bytes a record of a <paramref name="frameLength"/>-byte frame takes after snapping.</summary>
    public int RecordSize(int frameLength) => PcapFile.RecordHeaderSize + Math.Min(frameLength, SnapLength);

    /// <summary>Format one record (header + frame cut to the snap length) into <paramref name="dest"/>; returns its size.</summary>
    public int WriteRecord(Span<byte> dest, long unixMicros, ReadOnlySpan<byte> frame)
    {
        int incl = Math.Min(frame.Length, SnapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(dest, (uint)(unixMicros / 1_000_000));
        BinaryPrimitives.WriteUInt32LittleEndian(dest[4..], (uint)(unixMicros % 1_000_000));
        BinaryPrimitives.WriteUInt32LittleEndian(dest[8..], (uint)incl);
        BinaryPrimitives.WriteUInt32LittleEndian(dest[12..], (uint)frame.Length);
        frame[..incl].CopyTo(dest[PcapFile.RecordHeaderSize..]);
        return PcapFile.RecordHeaderSize + incl;
    }

    /// <summary>Append formatted records. Not thread-safe: callers serialise.</summary>
    public void Append(ReadOnlySpan<byte> records) => _stream.Write(records);

    public void Flush() => _stream.Flush();

    public void Dispose() => _stream.Dispose();
}
