using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Switchboard.Sdk;

/// <summary>
/// The host-owned descriptor of one packet. Its first 128 bytes have the layout of DPDK's <c>struct rte_mbuf</c>
/// (22.11, the fields used here at their offsets, checked against the linked DPDK when a DPDK pool is made), so
/// a DPDK mbuf IS a descriptor: a receive hands the driver's mbuf pointers on as they are and a send passes them
/// back, with nothing to translate or copy. Switchboard's own part (flow hash, input port, the header stack,
/// metadata) follows at byte 128: in an mbuf that is its private area, which the driver never touches. Managed
/// pools lay their descriptors out the same way (the mbuf half mostly unused). Batches carry pointers to these,
/// so handing a packet from one node to the next moves 8 bytes and never the packet.
/// Internal: plugins only ever see a <see cref="Packet"/> view.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = Size)]
internal unsafe struct PacketDesc
{
    public const int MaxHeaders = 8;
    public const int MetadataBytes = 32;
    public const ushort Absent = 0xFFFF;
    /// <summary>sizeof(struct rte_mbuf): where Switchboard's part (the mbuf private area) begins.</summary>
    public const int MbufBytes = 128;
    /// <summary>Switchboard's part: what a DPDK pool reserves as private area per mbuf.</summary>
    public const int PrivateBytes = Size - MbufBytes;
    public const int Size = 256;

    // rte_mbuf fields (offsets of DPDK 22.11's rte_mbuf_core.h; Mbuf.VerifyLayout compares them with the shim's).
    public const int OffBuffer = 0, OffDataOffset = 16, OffSegments = 20, OffPort = 22, OffOffloadFlags = 24,
        OffPacketLength = 36, OffDataLength = 40, OffBufferLength = 54, OffMempool = 56;

    /// <summary>The <see cref="OffloadFlags"/> bit that says <see cref="Metadata"/> belongs to this packet: a dynamic mbuf
    /// flag (registered at this bit when the EAL starts). DPDK's receive paths reset ol_flags, so a received mbuf
    /// starts without it and the receive loop writes nothing.</summary>
    public const int MetadataValidBit = 23;
    public const ulong MetadataValidFlag = 1UL << MetadataValidBit;

    /// <summary>Start of the buffer (rte_mbuf.buf_addr); headroom is <c>Data - Buffer</c>.</summary>
    [FieldOffset(OffBuffer)] public byte* Buffer;
    /// <summary>First byte of the packet, from <see cref="Buffer"/> (rte_mbuf.data_off).</summary>
    [FieldOffset(OffDataOffset)] public ushort DataOffset;
    /// <summary>Segments (rte_mbuf.nb_segs): 1 (0 for a managed buffer never received), or more for a frame a DPDK driver
    /// chained (larger than an mbuf). The descriptor's data is then the first segment's (<see cref="Length"/>); an NF's
    /// entry drops such a frame, a DPDK send sends the whole chain, and a resize that would split it is refused.</summary>
    [FieldOffset(OffSegments)] public ushort Segments;
    /// <summary>Where the packet came in (rte_mbuf.port): a DPDK driver writes its ethdev id there on receive, for free;
    /// the host writes a switch port index with <see cref="WirePorts.Local"/> set. Read it as <see cref="InputPort"/>.</summary>
    [FieldOffset(OffPort)] public ushort Port;
    /// <summary>rte_mbuf.ol_flags: offload flags, and <see cref="MetadataValidFlag"/>.</summary>
    [FieldOffset(OffOffloadFlags)] public ulong OffloadFlags;
    /// <summary>Whole frame length (rte_mbuf.pkt_len): what a DPDK device sends; set from <see cref="Length"/> on send.</summary>
    [FieldOffset(OffPacketLength)] public uint PacketLength;
    /// <summary>Bytes from <see cref="Data"/> (rte_mbuf.data_len).</summary>
    [FieldOffset(OffDataLength)] public ushort DataLength;
    /// <summary>Bytes from <see cref="Buffer"/> to the end of the buffer (rte_mbuf.buf_len).</summary>
    [FieldOffset(OffBufferLength)] public ushort BufferLength;
    /// <summary>The rte_mempool of a DPDK mbuf; 0 for managed buffers.</summary>
    [FieldOffset(OffMempool)] public nint Mempool;

    // Switchboard's part. A DPDK receive writes none of it: the flow hash and the header stack are reset where a
    // packet enters an NF (nothing reads them before), the metadata on first use (see MetadataValid). Managed pools
    // reset it all per receive.
    [FieldOffset(MbufBytes)] public uint FlowHash;
    /// <summary>The owning <see cref="Runtime.IBufferPool"/> of a managed buffer (0 while the pool holds it). DPDK
    /// mbufs are found by <see cref="Mempool"/> instead (<see cref="Runtime.BufferPools.PoolIdOf"/>).</summary>
    [FieldOffset(MbufBytes + 4)] public ushort PoolId;
    [FieldOffset(MbufBytes + 10)] public HeaderStack Headers;
    [FieldOffset(MbufBytes + 80)] public PacketMetadata Metadata;

    /// <summary>First byte of the packet.</summary>
    public byte* Data
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        readonly get => Buffer + DataOffset;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => DataOffset = (ushort)(value - Buffer);
    }

    /// <summary>Packet length in bytes (of the first segment, for a chain). Setting it moves the mbuf's
    /// <see cref="PacketLength"/> by as much, so a DPDK send need not check each frame.</summary>
    public int Length
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        readonly get => DataLength;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set
        {
            PacketLength = (uint)(PacketLength + (value - DataLength));
            DataLength = (ushort)value;
        }
    }

    /// <summary>Bytes from <see cref="Buffer"/> to the end of the buffer.</summary>
    public int Capacity
    {
        readonly get => BufferLength;
        set => BufferLength = checked((ushort)value);
    }

    /// <summary>The switch port index the packet arrived on.</summary>
    public ushort InputPort
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        readonly get => (Port & WirePorts.Local) != 0 ? (ushort)(Port & ~WirePorts.Local) : WirePorts.SwitchIndex(Port);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => Port = (ushort)(value | WirePorts.Local);
    }

    /// <summary>False after a receive: <see cref="Metadata"/> holds a previous packet's bytes until <see cref="MetadataRef"/> clears it.</summary>
    public bool MetadataValid
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        readonly get => (OffloadFlags & MetadataValidFlag) != 0;
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set => OffloadFlags = value ? OffloadFlags | MetadataValidFlag : OffloadFlags & ~MetadataValidFlag;
    }

    public readonly int Headroom => DataOffset;
    public readonly int Tailroom => Capacity - Headroom - Length;

    /// <summary>Reset everything but the buffer, for a freshly received packet of <paramref name="length"/> bytes
    /// at <paramref name="headroom"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ResetForReceive(int headroom, int length, ushort port)
    {
        DataOffset = (ushort)headroom;
        DataLength = (ushort)length;
        PacketLength = (uint)length;
        Segments = 1;
        ResetState(port);
    }

    /// <summary>Reset Switchboard's per-packet state, leaving the geometry as the device wrote it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ResetState(ushort port)
    {
        StampReceived(port);
        FlowHash = 0;
        Headers.Clear();
    }

    /// <summary>What a receive must set on an mbuf whose driver does not (one that passes mbufs through, like net_ring):
    /// the input port, and no metadata yet. Everything else waits for an NF's entry.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void StampReceived(ushort port)
    {
        InputPort = port;
        OffloadFlags &= ~MetadataValidFlag;
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

/// <summary>
/// Input ports as <see cref="PacketDesc.Port"/> holds them: a DPDK driver writes its ethdev id on receive, which maps to
/// the switch port index through a table the host fills per DPDK port; the host marks indices it writes itself with
/// <see cref="Local"/>.
/// </summary>
internal static class WirePorts
{
    public const ushort Local = 0x8000;
    /// <summary>Ethdev ids are below RTE_MAX_ETHPORTS (32 in Debian's DPDK); the table allows for builds with more.</summary>
    public const int MaxEthdevs = 1024;
    private static readonly ushort[] s_byEthdev = new ushort[MaxEthdevs];

    /// <summary>Packets a DPDK driver receives on <paramref name="ethdev"/> came in on switch port <paramref name="index"/>.</summary>
    public static void MapEthdev(ushort ethdev, ushort index)
    {
        if (ethdev >= MaxEthdevs) throw new ArgumentOutOfRangeException(nameof(ethdev), $"ethdev port id {ethdev} is beyond {MaxEthdevs}");
        Volatile.Write(ref s_byEthdev[ethdev], index);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort SwitchIndex(ushort ethdev) => s_byEthdev[ethdev & (MaxEthdevs - 1)];
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
    /// <summary>The fragment word as IPv4 stores it (network order: flags, then the 13-bit offset), copied from the
    /// header as it is (an IPv6 fragment header's M flag and offset are put in the same form). Kept raw, so the common
    /// parse copies two bytes; <see cref="Fragment"/> and <see cref="NonFirstFragment"/> decode it.</summary>
    public ushort FragmentWord;
    public fixed byte Kinds[PacketDesc.MaxHeaders];
    public fixed ushort Offsets[PacketDesc.MaxHeaders];
    public fixed ushort Lengths[PacketDesc.MaxHeaders];

    /// <summary>Whether the IP header says this is a fragment (more fragments follow, or the offset is not 0).</summary>
    public readonly bool Fragment => (NetOrder.U16(FragmentWord) & 0x3FFF) != 0;

    /// <summary>A fragment other than the first: it carries no upper-layer header.</summary>
    public readonly bool NonFirstFragment => (NetOrder.U16(FragmentWord) & 0x1FFF) != 0;

    /// <summary>The <see cref="FragmentWord"/> for a fragment (first or not) or a whole datagram.</summary>
    internal static ushort FragmentWordOf(bool fragment, bool nonFirst) =>
        NetOrder.U16((ushort)((fragment ? 0x2000 : 0) | (nonFirst ? 1 : 0)));

    /// <summary>Byte offsets of the IP state (NetworkEnd, Depth, IpProtocol are consecutive; then FragmentWord).</summary>
    internal const int OffNetworkEnd = 16, OffFragment = 20, OffKinds = 22, OffOffsets = 30, OffLengths = 46;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Clear()
    {
        // Four stores: ByKind all Absent, then NetworkEnd, Depth, IpProtocol, FragmentWord all 0.
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
        FragmentWord = 0;
        NetworkEnd = 0;
    }

    /// <summary>Record what the IP header at <paramref name="offset"/> says about the layers above it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void SetIpState(in HeaderParser.IpInfo info, int offset)
    {
        IpProtocol = info.Protocol;
        FragmentWord = FragmentWordOf(info.Fragment, info.NonFirstFragment);
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
