using System.Runtime.CompilerServices;

namespace Switchboard.Sdk;

/// <summary>
/// A view of one packet, lent to a UDF for the duration of a call. It is a <c>ref struct</c>, so a
/// UDF cannot store it, box it or capture it: once the call returns, the packet belongs to the next
/// node (zero-copy software isolation, thesis 3.1.2). Header accessors return references into the
/// packet bytes; they are valid only for headers that a parse node has pushed.
/// </summary>
public readonly unsafe ref struct Packet
{
    private readonly PacketDesc* _d;

    internal Packet(PacketDesc* desc) => _d = desc;

    internal PacketDesc* Desc => _d;

    /// <summary>Total length in bytes.</summary>
    public int Length => _d->Length;

    /// <summary>The port the packet arrived on.</summary>
    public int InputPort => _d->InputPort;

    /// <summary>All packet bytes, from the first header.</summary>
    public Span<byte> Data => new(_d->Data, _d->Length);

    /// <summary>The bytes after the top of the header stack (all bytes when nothing is parsed).</summary>
    public Span<byte> Payload
    {
        get
        {
            int off = _d->Headers.PayloadOffset;
            // The parsers keep PayloadOffset <= PayloadEnd; the clamp keeps that true even if it ever were not.
            return new(_d->Data + off, Math.Max(0, _d->Headers.PayloadEnd(_d->Length) - off));
        }
    }

    /// <summary>Kind of the most recently parsed header (<see cref="HeaderKind.None"/> at first).</summary>
    public HeaderKind TopHeader => _d->Headers.Top;

    /// <summary>How many headers are on the stack.</summary>
    public int HeaderDepth => _d->Headers.Depth;

    /// <summary>Whether a header of this kind has been parsed.</summary>
    public bool Has(HeaderKind kind) => _d->Headers.ByKind[(int)kind] != PacketDesc.Absent;

    /// <summary>Offset of a parsed header from the packet start.</summary>
    public int OffsetOf(HeaderKind kind)
    {
        int off = _d->Headers.ByKind[(int)kind];
        if (off == PacketDesc.Absent) ThrowNotParsed(kind);
        return off;
    }

    /// <summary>The bytes of one parsed header, options and extension headers included.</summary>
    public Span<byte> HeaderBytes(HeaderKind kind)
    {
        ref var h = ref _d->Headers;
        for (int i = h.Depth - 1; i >= 0; i--)
            if (h.Kinds[i] == (byte)kind) return new(_d->Data + h.Offsets[i], h.Lengths[i]);
        ThrowNotParsed(kind);
        return default;
    }

    /// <summary>The EtherType after any VLAN tags (needs Ethernet parsed).</summary>
    public ushort EtherType
    {
        get
        {
            var eth = HeaderBytes(HeaderKind.Ethernet);
            return (ushort)(eth[^2] << 8 | eth[^1]);
        }
    }

    /// <summary>The outer VLAN id, or -1 when the frame is untagged (needs Ethernet parsed).</summary>
    public int VlanId
    {
        get
        {
            var eth = HeaderBytes(HeaderKind.Ethernet);
            return eth.Length >= 18 ? ((eth[14] & 0x0F) << 8) | eth[15] : -1;
        }
    }

    /// <summary>The inner (customer) VLAN id of a QinQ frame, or -1 when the frame has fewer than two tags.</summary>
    public int InnerVlanId
    {
        get
        {
            var eth = HeaderBytes(HeaderKind.Ethernet);
            return eth.Length >= 22 ? ((eth[18] & 0x0F) << 8) | eth[19] : -1;
        }
    }

    /// <summary>The outer VLAN tag's priority code point (0-7), or -1 when untagged.</summary>
    public int VlanPriority
    {
        get
        {
            var eth = HeaderBytes(HeaderKind.Ethernet);
            return eth.Length >= 18 ? eth[14] >> 5 : -1;
        }
    }

    /// <summary>Protocol carried by the parsed IP header, after IPv6 extension headers (0 if no IP header).</summary>
    public byte IpProtocol => _d->Headers.IpProtocol;

    /// <summary>Whether the parsed IP header marks this packet as a fragment.</summary>
    public bool IsFragment => _d->Headers.Fragment;

    /// <summary>Whether this is a fragment other than the first (it carries no transport header).</summary>
    public bool IsNonFirstFragment => _d->Headers.NonFirstFragment;

    /// <summary>The IPv4 options bytes (empty when IHL is 5); needs IPv4 parsed.</summary>
    public Span<byte> Ipv4Options => HeaderBytes(HeaderKind.Ipv4)[Sdk.Ipv4.MinSize..];

    /// <summary>The TCP options area as a view (enumerate it, or use its MSS / window scale / SACK / timestamp helpers); needs TCP parsed.</summary>
    public TcpOptions TcpOptions => new(HeaderBytes(HeaderKind.Tcp)[Sdk.Tcp.MinSize..]);

    /// <summary>
    /// For an ICMP or ICMPv6 error message (destination unreachable, time exceeded, parameter problem,
    /// redirect, source quench, packet too big), the quoted part of the offending datagram that follows the
    /// 8-byte ICMP header, up to the end of the IP datagram; empty for other messages. Needs ICMP(v6) parsed.
    /// </summary>
    public Span<byte> IcmpQuotedPacket
    {
        get
        {
            int off = IcmpOffset(out bool v6);
            byte type = _d->Data[off];
            bool error = v6 ? type < 128 : type is Sdk.Icmp.DestinationUnreachable or 4 or 5 or Sdk.Icmp.TimeExceeded or 12;
            if (!error) return default;
            int start = off + Sdk.Icmp.Size;
            return new(_d->Data + start, Math.Max(0, _d->Headers.PayloadEnd(_d->Length) - start));
        }
    }

    /// <summary>
    /// The IP header quoted in an ICMP error message (<see cref="IcmpQuotedPacket"/>): IHL × 4 bytes for
    /// IPv4, the 40-byte fixed header for IPv6. Empty when not an error message or the quote is too short
    /// or not of the expected IP version.
    /// </summary>
    public Span<byte> IcmpQuotedIpHeader
    {
        get
        {
            var q = IcmpQuotedPacket;
            if (q.IsEmpty) return default;
            IcmpOffset(out bool v6);
            int len;
            if (v6) len = q[0] >> 4 == 6 ? Sdk.Ipv6.Size : 0;
            else len = q[0] >> 4 == 4 ? (q[0] & 0xF) * 4 : 0;
            return len >= Sdk.Ipv4.MinSize && len <= q.Length ? q[..len] : default;
        }
    }

    /// <summary>Offset of the top-most ICMP or ICMPv6 header.</summary>
    private int IcmpOffset(out bool v6)
    {
        ref var h = ref _d->Headers;
        for (int i = h.Depth - 1; i >= 0; i--)
        {
            var k = (HeaderKind)h.Kinds[i];
            if (k is HeaderKind.Icmp or HeaderKind.Icmpv6) { v6 = k == HeaderKind.Icmpv6; return h.Offsets[i]; }
        }
        ThrowNotParsed(HeaderKind.Icmp);
        v6 = false;
        return 0;
    }

    /// <summary>The top-most parsed Ethernet header; throws <see cref="InvalidOperationException"/> when not parsed (same for the accessors below).</summary>
    public ref Ethernet Ethernet => ref At<Ethernet>(HeaderKind.Ethernet);
    public ref Ipv4 Ipv4 => ref At<Ipv4>(HeaderKind.Ipv4);
    public ref Ipv6 Ipv6 => ref At<Ipv6>(HeaderKind.Ipv6);
    public ref Tcp Tcp => ref At<Tcp>(HeaderKind.Tcp);
    public ref Udp Udp => ref At<Udp>(HeaderKind.Udp);
    public ref Icmp Icmp => ref At<Icmp>(HeaderKind.Icmp);
    public ref Icmp Icmpv6 => ref At<Icmp>(HeaderKind.Icmpv6);

    /// <summary>A flow hash the host or a node computed for this packet (0 if none yet).</summary>
    public uint FlowHash
    {
        get => _d->FlowHash;
        set => _d->FlowHash = value;
    }

    /// <summary>
    /// Per-packet metadata: up to 32 bytes that one node writes and later nodes read. <typeparamref name="T"/>
    /// must be a plain struct of numbers (no references); nodes agree on its meaning.
    /// </summary>
    public ref T Metadata<T>() where T : unmanaged
    {
        if (sizeof(T) > PacketDesc.MetadataBytes) ThrowMetadataTooLarge(sizeof(T));
        return ref Unsafe.AsRef<T>(_d->MetadataRef());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref T At<T>(HeaderKind kind) where T : unmanaged
    {
        nuint off = _d->Headers.ByKind[(int)kind]; // unsigned: added to the pointer without a sign extension
        if (off == PacketDesc.Absent) ThrowNotParsed(kind);
        return ref Unsafe.AsRef<T>(_d->Data + off);
    }

    /// <summary>Grow the packet by <paramref name="count"/> bytes at the end (zeroed). False if no tailroom, or when the
    /// packet is a chain of buffers (a frame larger than one; its end is not in the first).</summary>
    public bool TryAppend(int count)
    {
        if (count < 0 || count > _d->Tailroom || _d->Segments > 1) return false;
        new Span<byte>(_d->Data + _d->Length, count).Clear();
        _d->Length += count;
        return true;
    }

    /// <summary>Shrink the packet by removing <paramref name="count"/> bytes at the end, never into parsed headers. False
    /// for a chain of buffers (its end is not in the first).</summary>
    public bool TryTrim(int count)
    {
        if (count < 0 || _d->Length - count < _d->Headers.PayloadOffset || _d->Segments > 1) return false;
        _d->Length -= count;
        return true;
    }

    /// <summary>Insert <paramref name="count"/> zeroed bytes at the front (using headroom); parsed offsets move with the data.</summary>
    public bool TryPrepend(int count)
    {
        if (count < 0 || count > _d->Headroom || _d->Length + count > ushort.MaxValue) return false;
        _d->Data -= count;
        _d->Length += count;
        new Span<byte>(_d->Data, count).Clear();
        _d->Headers.Shift(count);
        return true;
    }

    // Not marked NoInlining: the JIT then sees that it always throws and compiles its call sites as paths that never
    // come back, so a UDF loop keeps nothing alive (no spills) for them.
    private static void ThrowNotParsed(HeaderKind kind) =>
        throw new InvalidOperationException($"The {kind} header has not been parsed on this packet; add Parse<{kind}>() before using it.");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowMetadataTooLarge(int size) =>
        throw new ArgumentException($"Per-packet metadata is limited to {PacketDesc.MetadataBytes} bytes; the type is {size}.");
}
