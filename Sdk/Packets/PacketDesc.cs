using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Switchboard.Sdk;

/// <summary>
/// The host-owned descriptor of one packet, living in native memory next to the buffer (in the
/// managed pool's block header or in a DPDK mbuf's private area). Batches carry pointers to these,
/// so handing a packet from one node to the next moves 8 bytes and never the packet.
/// Internal: plugins only ever see a <see cref="Packet"/> view.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct PacketDesc
{
    public const int MaxHeaders = 8;
    public const int MetadataBytes = 32;
    public const ushort Absent = 0xFFFF;

    // Layout: everything a receive resets, and what the hot paths read (geometry, owner, the header stack),
    // sits in the first 64 bytes, so receiving a packet writes one cache line of descriptor (a DPDK
    // descriptor is in the mbuf's private area, lines the driver never touches). Handle and
    // metadata follow; metadata is cleared on first use instead of on receive (MetadataValid), and a DPDK
    // port sets Handle once per mbuf.

    /// <summary>Start of the buffer; headroom is <c>Data - Buffer</c>.</summary>
    public byte* Buffer;
    /// <summary>First byte of the packet.</summary>
    public byte* Data;
    public int Length;
    /// <summary>Bytes from <see cref="Buffer"/> to the end of the buffer.</summary>
    public int Capacity;
    public uint FlowHash;
    public ushort PoolId;
    public ushort InputPort;
    /// <summary>False after a receive: <see cref="Metadata"/> holds a previous packet's bytes until <see cref="MetadataRef"/> clears it.</summary>
    public bool MetadataValid;
    public HeaderStack Headers;
    /// <summary>Owner-specific handle (the <c>rte_mbuf*</c> for DPDK buffers, set when the pool is made).</summary>
    public nint Handle;
    public PacketMetadata Metadata;

    public readonly int Headroom => (int)(Data - Buffer);
    public readonly int Tailroom => Capacity - Headroom - Length;

    /// <summary>Reset everything but the buffer geometry, for a freshly received packet.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ResetForReceive(int headroom, int length, ushort port)
    {
        Data = Buffer + headroom;
        Length = length;
        InputPort = port;
        FlowHash = 0;
        MetadataValid = false;
        Headers.Clear();
    }

    /// <summary>The metadata area, zeroed first if this packet has not used it yet.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public PacketMetadata* MetadataRef()
    {
        if (!MetadataValid)
        {
            Metadata = default;
            MetadataValid = true;
        }
        return (PacketMetadata*)Unsafe.AsPointer(ref Metadata);
    }
}

/// <summary>The parse stack of 3.1.1: each entry is a header kind, its offset from the packet start
/// and its length. A per-kind index makes <c>packet.Ipv4</c> O(1).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct HeaderStack
{
    // The per-kind index and the IP state first: with PacketDesc's layout they share the descriptor's first
    // cache line, so clearing the stack (every receive, every NF entry) writes only that line.
    /// <summary>Offset of each kind's header, or <see cref="PacketDesc.Absent"/>.</summary>
    public fixed ushort ByKind[8];
    /// <summary>Where the IP datagram ends (its declared length), so link-layer padding is not payload; 0 = unset.</summary>
    public ushort NetworkEnd;
    public byte Depth;
    /// <summary>Upper-layer protocol after the IP header (and IPv6 extension headers).</summary>
    public byte IpProtocol;
    /// <summary>Set when the IP header says this is a fragment; <see cref="NonFirstFragment"/> when L4 is absent.</summary>
    public bool Fragment, NonFirstFragment;
    public fixed byte Kinds[PacketDesc.MaxHeaders];
    public fixed ushort Offsets[PacketDesc.MaxHeaders];
    public fixed ushort Lengths[PacketDesc.MaxHeaders];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Clear()
    {
        // Three stores: ByKind all Absent, then NetworkEnd, Depth, IpProtocol, Fragment, NonFirstFragment all 0.
        byte* p = (byte*)Unsafe.AsPointer(ref this);
        Unsafe.WriteUnaligned(p, ulong.MaxValue);
        Unsafe.WriteUnaligned(p + 8, ulong.MaxValue);
        Unsafe.WriteUnaligned(p + 16, 0u);
        Unsafe.WriteUnaligned(p + 20, (ushort)0);
    }

    /// <summary>Forget what the last IP header said (no IP header left on the stack).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ClearIpState()
    {
        IpProtocol = 0;
        Fragment = NonFirstFragment = false;
        NetworkEnd = 0;
    }

    /// <summary>Record what the IP header at <paramref name="offset"/> says about the layers above it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void SetIpState(in HeaderParser.IpInfo info, int offset)
    {
        IpProtocol = info.Protocol;
        Fragment = info.Fragment;
        NonFirstFragment = info.NonFirstFragment;
        NetworkEnd = (ushort)(offset + info.TotalLength);
    }

    /// <summary>Offset just past the top header: where the payload begins.</summary>
    public readonly int PayloadOffset
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Depth == 0 ? 0 : Offsets[Depth - 1] + Lengths[Depth - 1];
    }

    /// <summary>End of the useful bytes: the IP datagram's end when one is parsed, else the packet's.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly int PayloadEnd(int packetLength) => NetworkEnd == 0 ? packetLength : Math.Min((int)NetworkEnd, packetLength);

    public readonly HeaderKind Top => Depth == 0 ? HeaderKind.None : (HeaderKind)Kinds[Depth - 1];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Push(HeaderKind kind, int offset, int length)
    {
        int depth = Depth; // read once: the byte stores below could alias it, so each use would reload it
        if (depth == PacketDesc.MaxHeaders) return false;
        Kinds[depth] = (byte)kind;
        Offsets[depth] = (ushort)offset;
        Lengths[depth] = (ushort)length;
        ByKind[(int)kind] = (ushort)offset;
        Depth = (byte)(depth + 1);
        return true;
    }

    /// <summary>Remove the top entry. IP state is restored by <see cref="HeaderParser.Deparse"/>, which callers use.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public HeaderKind Pop()
    {
        if (Depth == 0) return HeaderKind.None;
        Depth--;
        var kind = (HeaderKind)Kinds[Depth];
        ByKind[(int)kind] = PacketDesc.Absent;
        // An inner header of the same kind (IP-in-IP) becomes visible again.
        for (int i = Depth - 1; i >= 0; i--)
            if (Kinds[i] == (byte)kind) { ByKind[(int)kind] = Offsets[i]; break; }
        return kind;
    }

    /// <summary>Shift every recorded offset after bytes were added (+) or removed (-) at the front.</summary>
    public void Shift(int delta)
    {
        for (int i = 0; i < Depth; i++) Offsets[i] = (ushort)(Offsets[i] + delta);
        for (int k = 0; k < 8; k++) if (ByKind[k] != PacketDesc.Absent) ByKind[k] = (ushort)(ByKind[k] + delta);
        if (NetworkEnd != 0) NetworkEnd = (ushort)(NetworkEnd + delta);
    }
}

/// <summary>Fixed per-packet scratch that one node writes and later nodes read (3.1.1 metadata).</summary>
[StructLayout(LayoutKind.Sequential, Size = PacketDesc.MetadataBytes)]
internal struct PacketMetadata
{
    private long _a, _b, _c, _d;
}
