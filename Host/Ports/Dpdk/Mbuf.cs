using System.Runtime.CompilerServices;

namespace Switchboard.Host.Ports.Dpdk;

/// <summary>
/// Direct access to the rte_mbuf fields the host touches, at offsets the shim reports (so a DPDK with a
/// different layout still works) and verified against the shim's accessors when the first pool is made.
/// The packet's <see cref="Switchboard.Sdk.PacketDesc"/> lives in the mbuf's private area, right after the
/// rte_mbuf header: <c>desc = mbuf + Size</c>.
/// </summary>
internal static unsafe class Mbuf
{
    // Read-only statics set once: tier-1 JIT treats them as constants in the hot loops.
    private static readonly int s_bufAddr, s_dataOff, s_nbSegs, s_pktLen, s_dataLen, s_bufLen, s_pool;

    public static readonly int Size, DefaultHeadroom;

    static Mbuf()
    {
        if (DpdkNative.GetMbufLayout == null) throw new InvalidOperationException("The DPDK shim is not loaded.");
        DpdkNative.MbufLayout l;
        DpdkNative.GetMbufLayout(&l);
        Size = (int)l.MbufSize;
        s_bufAddr = (int)l.OffBufAddr;
        s_dataOff = (int)l.OffDataOff;
        s_nbSegs = (int)l.OffNbSegs;
        s_pktLen = (int)l.OffPktLen;
        s_dataLen = (int)l.OffDataLen;
        s_bufLen = (int)l.OffBufLen;
        s_pool = (int)l.OffPool;
        DefaultHeadroom = (int)l.DefaultHeadroom;
    }

    /// <summary>Null when the layout agrees with the shim's accessors on <paramref name="m"/>, else what differs.</summary>
    public static string? Verify(nint m)
    {
        var problems = new List<string>();
        if (BufAddr(m) != (byte*)DpdkNative.MbufBufAddr(m)) problems.Add("buf_addr");
        if (DataOff(m) != DpdkNative.MbufDataOff(m)) problems.Add("data_off");
        if (DataLen(m) != DpdkNative.MbufDataLen(m)) problems.Add("data_len");
        if (PktLen(m) != DpdkNative.MbufPktLen(m)) problems.Add("pkt_len");
        if (BufLen(m) != DpdkNative.MbufBufLen(m)) problems.Add("buf_len");
        if (Pool(m) != DpdkNative.MbufPool(m)) problems.Add("pool");
        if ((nint)Desc(m) != DpdkNative.MbufPriv(m)) problems.Add("private area");
        return problems.Count == 0 ? null : "rte_mbuf layout mismatch in " + string.Join(", ", problems);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Switchboard.Sdk.PacketDesc* Desc(nint m) => (Switchboard.Sdk.PacketDesc*)(m + Size);
    /// <summary>The mbuf of a DPDK descriptor (the inverse of <see cref="Desc"/>; saves reading its Handle, outside the hot line).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nint Of(Switchboard.Sdk.PacketDesc* d) => (nint)d - Size;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* BufAddr(nint m) => *(byte**)(m + s_bufAddr);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref ushort DataOff(nint m) => ref *(ushort*)(m + s_dataOff);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref ushort NbSegs(nint m) => ref *(ushort*)(m + s_nbSegs);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref uint PktLen(nint m) => ref *(uint*)(m + s_pktLen);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref ushort DataLen(nint m) => ref *(ushort*)(m + s_dataLen);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort BufLen(nint m) => *(ushort*)(m + s_bufLen);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nint Pool(nint m) => *(nint*)(m + s_pool);
}
