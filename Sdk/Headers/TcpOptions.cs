using System.Buffers.Binary;

namespace Switchboard.Sdk;

/// <summary>
/// The options area of a parsed TCP header (RFC 9293 §3.1), as a view over the packet bytes. Enumerate
/// it with <c>foreach</c> to get each option's kind and data; enumeration stops at End-of-Option-List or
/// at the first malformed option (see <see cref="IsWellFormed"/>). Nothing here reads outside the header.
/// </summary>
public readonly ref struct TcpOptions
{
    /// <summary>Option kinds (IANA TCP option numbers).</summary>
    public const byte EndOfList = 0, NoOperation = 1, MaxSegmentSize = 2, WindowScale = 3, SackPermittedKind = 4, Sack = 5, Timestamps = 8;

    private readonly Span<byte> _bytes;

    internal TcpOptions(Span<byte> bytes) => _bytes = bytes;

    /// <summary>The raw options bytes (header bytes 20 to data offset × 4); writable.</summary>
    public Span<byte> Bytes => _bytes;

    /// <summary>Iterate the options (NOPs are skipped, the list ends at EOL or a malformed option).</summary>
    public Enumerator GetEnumerator() => new(_bytes);

    /// <summary>True when every option up to EOL (or the end) has a valid length inside the area.</summary>
    public bool IsWellFormed
    {
        get
        {
            var e = GetEnumerator();
            while (e.MoveNext()) { }
            return !e.Malformed;
        }
    }

    /// <summary>Find the first option of <paramref name="kind"/>; its data excludes the kind and length bytes.</summary>
    public bool TryFind(byte kind, out Span<byte> data)
    {
        foreach (var o in this)
            if (o.Kind == kind) { data = o.Data; return true; }
        data = default;
        return false;
    }

    /// <summary>The Maximum Segment Size option (RFC 9293), if present with its 2-byte value.</summary>
    public bool TryGetMss(out ushort mss)
    {
        mss = 0;
        if (!TryFind(MaxSegmentSize, out var d) || d.Length != 2) return false;
        mss = BinaryPrimitives.ReadUInt16BigEndian(d);
        return true;
    }

    /// <summary>Overwrite an existing MSS option's value (e.g. MSS clamping). The caller fixes the checksum;
    /// returns the old value through <paramref name="old"/>. False when there is no MSS option.</summary>
    public bool TrySetMss(ushort mss, out ushort old)
    {
        old = 0;
        if (!TryFind(MaxSegmentSize, out var d) || d.Length != 2) return false;
        old = BinaryPrimitives.ReadUInt16BigEndian(d);
        BinaryPrimitives.WriteUInt16BigEndian(d, mss);
        return true;
    }

    /// <summary>The Window Scale shift count (RFC 7323), if present.</summary>
    public bool TryGetWindowScale(out byte shift)
    {
        shift = 0;
        if (!TryFind(WindowScale, out var d) || d.Length != 1) return false;
        shift = d[0];
        return true;
    }

    /// <summary>Whether the SACK-Permitted option (RFC 2018) is present.</summary>
    public bool SackPermitted => TryFind(SackPermittedKind, out var d) && d.Length == 0;

    /// <summary>The Timestamps option (RFC 7323): TSval and TSecr.</summary>
    public bool TryGetTimestamps(out uint value, out uint echoReply)
    {
        value = echoReply = 0;
        if (!TryFind(Timestamps, out var d) || d.Length != 8) return false;
        value = BinaryPrimitives.ReadUInt32BigEndian(d);
        echoReply = BinaryPrimitives.ReadUInt32BigEndian(d[4..]);
        return true;
    }

    /// <summary>Walks the options area.</summary>
    public ref struct Enumerator
    {
        private readonly Span<byte> _bytes;
        private int _pos;
        private TcpOption _current;

        internal Enumerator(Span<byte> bytes) { _bytes = bytes; _pos = 0; _current = default; Malformed = false; }

        /// <summary>The option the enumerator is on.</summary>
        public readonly TcpOption Current => _current;

        /// <summary>Set when enumeration stopped at an option whose length is invalid or runs past the area.</summary>
        public bool Malformed { get; private set; }

        /// <summary>Advance to the next option other than NOP.</summary>
        public bool MoveNext()
        {
            while (_pos < _bytes.Length)
            {
                byte kind = _bytes[_pos];
                if (kind == EndOfList) { _pos = _bytes.Length; return false; }
                if (kind == NoOperation) { _pos++; continue; }
                if (_pos + 1 >= _bytes.Length) return Stop();
                int len = _bytes[_pos + 1];
                if (len < 2 || len > _bytes.Length - _pos) return Stop();
                _current = new TcpOption(kind, _bytes.Slice(_pos + 2, len - 2));
                _pos += len;
                return true;
            }
            return false;
        }

        private bool Stop()
        {
            Malformed = true;
            _pos = _bytes.Length;
            return false;
        }
    }
}

/// <summary>One TCP option: its kind and its data (without the kind and length bytes).</summary>
public readonly ref struct TcpOption
{
    internal TcpOption(byte kind, Span<byte> data) { Kind = kind; Data = data; }

    /// <summary>The option kind.</summary>
    public byte Kind { get; }

    /// <summary>The option's data bytes; writable.</summary>
    public Span<byte> Data { get; }
}
