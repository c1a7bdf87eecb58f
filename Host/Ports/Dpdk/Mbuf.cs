using System.Runtime.CompilerServices;
using Switchboard.Sdk;

namespace Switchboard.Host.Ports.Dpdk;

/// <summary>
/// A DPDK mbuf is a <see cref="PacketDesc"/>: the descriptor's first 128 bytes mirror <c>struct rte_mbuf</c> and its
/// own part is the mbuf's private area. <see cref="VerifyLayout"/> checks that mirror against the linked DPDK (the
/// shim reports the real offsets) before the first pool is used, so a DPDK with another layout is refused with a
/// clear message instead of corrupting packets.
/// </summary>
internal static unsafe class Mbuf
{
    public static readonly int DefaultHeadroom;
    private static readonly string? s_layoutProblem;

    static Mbuf()
    {
        if (DpdkNative.GetMbufLayout == null) throw new InvalidOperationException("The DPDK shim is not loaded.");
        DpdkNative.MbufLayout l;
        DpdkNative.GetMbufLayout(&l);
        DefaultHeadroom = (int)l.DefaultHeadroom;
        var problems = new List<string>();
        void Expect(string field, uint actual, int mirrored)
        {
            if (actual != mirrored) problems.Add($"{field} at {actual}, expected {mirrored}");
        }
        Expect("sizeof(rte_mbuf)", l.MbufSize, PacketDesc.MbufBytes);
        Expect("buf_addr", l.OffBufAddr, PacketDesc.OffBuffer);
        Expect("data_off", l.OffDataOff, PacketDesc.OffDataOffset);
        Expect("nb_segs", l.OffNbSegs, PacketDesc.OffSegments);
        Expect("port", l.OffPort, PacketDesc.OffPort);
        Expect("ol_flags", l.OffOlFlags, PacketDesc.OffOffloadFlags);
        Expect("pkt_len", l.OffPktLen, PacketDesc.OffPacketLength);
        Expect("data_len", l.OffDataLen, PacketDesc.OffDataLength);
        Expect("buf_len", l.OffBufLen, PacketDesc.OffBufferLength);
        Expect("pool", l.OffPool, PacketDesc.OffMempool);
        if (problems.Count > 0)
            s_layoutProblem = "this DPDK's struct rte_mbuf differs from the layout Switchboard's packet descriptor mirrors (DPDK 22.11): " +
                              string.Join(", ", problems);
    }

    /// <summary>Null when the descriptor mirrors this DPDK's rte_mbuf and agrees with the shim's accessors on <paramref name="m"/>, else what differs.</summary>
    public static string? VerifyLayout(nint m)
    {
        if (s_layoutProblem is not null) return s_layoutProblem;
        var d = Desc(m);
        var problems = new List<string>();
        if (d->Buffer != (byte*)DpdkNative.MbufBufAddr(m)) problems.Add("buf_addr");
        if (d->DataOffset != DpdkNative.MbufDataOff(m)) problems.Add("data_off");
        if (d->DataLength != DpdkNative.MbufDataLen(m)) problems.Add("data_len");
        if (d->PacketLength != DpdkNative.MbufPktLen(m)) problems.Add("pkt_len");
        if (d->BufferLength != DpdkNative.MbufBufLen(m)) problems.Add("buf_len");
        if (d->Mempool != DpdkNative.MbufPool(m)) problems.Add("pool");
        if ((nint)d + PacketDesc.MbufBytes != DpdkNative.MbufPriv(m)) problems.Add("private area");
        return problems.Count == 0 ? null : "rte_mbuf layout mismatch in " + string.Join(", ", problems);
    }

    /// <summary>The descriptor of an mbuf: the mbuf itself.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PacketDesc* Desc(nint m) => (PacketDesc*)m;

    /// <summary>The mbuf of a DPDK descriptor: the descriptor itself.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nint Of(PacketDesc* d) => (nint)d;
}
