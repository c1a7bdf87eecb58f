using System.Runtime.InteropServices;

namespace Switchboard.Host.Ports.Dpdk;

/// <summary>
/// The exports of native/libsbdpdk.so (see native/sbdpdk.h), bound as unmanaged function pointers once
/// the library loads. Burst, bulk alloc and bulk free calls skip the GC transition: they are short and
/// never call back into managed code. Nothing here is callable before <see cref="TryLoad"/> succeeds.
/// </summary>
internal static unsafe class DpdkNative
{
    public const string LibraryName = "libsbdpdk.so";
    public const int AbiVersion = 1;

    public static delegate* unmanaged[Cdecl]<int> AbiVersionOf;
    public static delegate* unmanaged[Cdecl]<byte*> DpdkVersion;
    public static delegate* unmanaged[Cdecl]<int> Errno;
    public static delegate* unmanaged[Cdecl]<int, byte*> StrError;
    public static delegate* unmanaged[Cdecl]<int, byte**, int> EalInit;
    public static delegate* unmanaged[Cdecl]<int> EalCleanup;
    public static delegate* unmanaged[Cdecl]<int> ThreadRegister;
    public static delegate* unmanaged[Cdecl]<void> ThreadUnregister;
    public static delegate* unmanaged[Cdecl]<uint> LcoreId;
    public static delegate* unmanaged[Cdecl]<MbufLayout*, void> GetMbufLayout;
    public static delegate* unmanaged[Cdecl]<byte*, uint, int> DynflagRegister;
    public static delegate* unmanaged[Cdecl]<nint, nint> MbufBufAddr;
    public static delegate* unmanaged[Cdecl]<nint, ushort> MbufDataOff;
    public static delegate* unmanaged[Cdecl]<nint, ushort> MbufDataLen;
    public static delegate* unmanaged[Cdecl]<nint, uint> MbufPktLen;
    public static delegate* unmanaged[Cdecl]<nint, ushort> MbufBufLen;
    public static delegate* unmanaged[Cdecl]<nint, nint> MbufPool;
    public static delegate* unmanaged[Cdecl]<nint, nint> MbufPriv;
    public static delegate* unmanaged[Cdecl]<byte*, uint, uint, ushort, ushort, int, nint> PoolCreate;
    public static delegate* unmanaged[Cdecl]<nint, void> PoolFree;
    public static delegate* unmanaged[Cdecl]<nint, uint> PoolInUse;
    public static delegate* unmanaged[Cdecl]<nint, uint> PoolAvail;
    public static delegate* unmanaged[Cdecl]<nint, void> PoolCacheFlush;
    public static delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, nint*, uint, int> MbufAllocBulk;
    public static delegate* unmanaged[Cdecl, SuppressGCTransition]<nint*, uint, void> MbufFreeBulk;
    public static delegate* unmanaged[Cdecl, SuppressGCTransition]<ushort, ushort, nint*, ushort, ushort> RxBurst;
    public static delegate* unmanaged[Cdecl, SuppressGCTransition]<ushort, ushort, nint*, ushort, ushort> TxBurst;
    public static delegate* unmanaged[Cdecl]<byte*, int> DevProbe;
    public static delegate* unmanaged[Cdecl]<byte*, ushort*, int> PortByName;
    public static delegate* unmanaged[Cdecl]<ushort, PortInfo*, int> GetPortInfo;
    public static delegate* unmanaged[Cdecl]<ushort, ushort, ushort, ulong, int> PortConfigure;
    public static delegate* unmanaged[Cdecl]<ushort, ushort*, ushort*, int> PortAdjustDescriptors;
    public static delegate* unmanaged[Cdecl]<ushort, ushort, ushort, int, nint, int> RxQueueSetup;
    public static delegate* unmanaged[Cdecl]<ushort, ushort, ushort, int, int> TxQueueSetup;
    public static delegate* unmanaged[Cdecl]<ushort, int> PortStart;
    public static delegate* unmanaged[Cdecl]<ushort, int> PortStop;
    public static delegate* unmanaged[Cdecl]<ushort, int> PortPromiscuous;
    public static delegate* unmanaged[Cdecl]<ushort, int> PortDetach;
    public static delegate* unmanaged[Cdecl]<ushort, LinkStatus*, int> PortLink;
    public static delegate* unmanaged[Cdecl]<ushort, DeviceStats*, int> PortStats;

    /// <summary>Load the shim and bind every export; on failure <paramref name="reason"/> says why.</summary>
    public static bool TryLoad(string path, out string reason)
    {
        nint lib;
        try
        {
            lib = NativeLibrary.Load(path);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            // The loader's message names the missing DPDK library (librte_*.so) when DPDK is not installed.
            // .NET's message ends with the dynamic loader's own line (e.g. "librte_ethdev.so.23: cannot open shared object file").
            var loader = e.Message.Trim().Split('\n').Last().Trim();
            reason = $"{path} could not be loaded ({loader}); is DPDK 22.11 (libdpdk-dev) installed?";
            return false;
        }
        try
        {
            AbiVersionOf = (delegate* unmanaged[Cdecl]<int>)Export(lib, "sb_abi_version");
            if (AbiVersionOf() != AbiVersion)
            {
                reason = $"{path} has ABI version {AbiVersionOf()}, this host needs {AbiVersion}; rebuild it (make -C native)";
                return false;
            }
            DpdkVersion = (delegate* unmanaged[Cdecl]<byte*>)Export(lib, "sb_dpdk_version");
            Errno = (delegate* unmanaged[Cdecl]<int>)Export(lib, "sb_errno");
            StrError = (delegate* unmanaged[Cdecl]<int, byte*>)Export(lib, "sb_strerror");
            EalInit = (delegate* unmanaged[Cdecl]<int, byte**, int>)Export(lib, "sb_eal_init");
            EalCleanup = (delegate* unmanaged[Cdecl]<int>)Export(lib, "sb_eal_cleanup");
            ThreadRegister = (delegate* unmanaged[Cdecl]<int>)Export(lib, "sb_thread_register");
            ThreadUnregister = (delegate* unmanaged[Cdecl]<void>)Export(lib, "sb_thread_unregister");
            LcoreId = (delegate* unmanaged[Cdecl]<uint>)Export(lib, "sb_lcore_id");
            GetMbufLayout = (delegate* unmanaged[Cdecl]<MbufLayout*, void>)Export(lib, "sb_mbuf_layout");
            DynflagRegister = (delegate* unmanaged[Cdecl]<byte*, uint, int>)Export(lib, "sb_dynflag_register");
            MbufBufAddr = (delegate* unmanaged[Cdecl]<nint, nint>)Export(lib, "sb_mbuf_buf_addr");
            MbufDataOff = (delegate* unmanaged[Cdecl]<nint, ushort>)Export(lib, "sb_mbuf_data_off");
            MbufDataLen = (delegate* unmanaged[Cdecl]<nint, ushort>)Export(lib, "sb_mbuf_data_len");
            MbufPktLen = (delegate* unmanaged[Cdecl]<nint, uint>)Export(lib, "sb_mbuf_pkt_len");
            MbufBufLen = (delegate* unmanaged[Cdecl]<nint, ushort>)Export(lib, "sb_mbuf_buf_len");
            MbufPool = (delegate* unmanaged[Cdecl]<nint, nint>)Export(lib, "sb_mbuf_pool");
            MbufPriv = (delegate* unmanaged[Cdecl]<nint, nint>)Export(lib, "sb_mbuf_priv");
            PoolCreate = (delegate* unmanaged[Cdecl]<byte*, uint, uint, ushort, ushort, int, nint>)Export(lib, "sb_pool_create");
            PoolFree = (delegate* unmanaged[Cdecl]<nint, void>)Export(lib, "sb_pool_free");
            PoolInUse = (delegate* unmanaged[Cdecl]<nint, uint>)Export(lib, "sb_pool_in_use");
            PoolAvail = (delegate* unmanaged[Cdecl]<nint, uint>)Export(lib, "sb_pool_avail");
            PoolCacheFlush = (delegate* unmanaged[Cdecl]<nint, void>)Export(lib, "sb_pool_cache_flush");
            MbufAllocBulk = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, nint*, uint, int>)Export(lib, "sb_mbuf_alloc_bulk");
            MbufFreeBulk = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint*, uint, void>)Export(lib, "sb_mbuf_free_bulk");
            RxBurst = (delegate* unmanaged[Cdecl, SuppressGCTransition]<ushort, ushort, nint*, ushort, ushort>)Export(lib, "sb_rx_burst");
            TxBurst = (delegate* unmanaged[Cdecl, SuppressGCTransition]<ushort, ushort, nint*, ushort, ushort>)Export(lib, "sb_tx_burst");
            DevProbe = (delegate* unmanaged[Cdecl]<byte*, int>)Export(lib, "sb_dev_probe");
            PortByName = (delegate* unmanaged[Cdecl]<byte*, ushort*, int>)Export(lib, "sb_port_by_name");
            GetPortInfo = (delegate* unmanaged[Cdecl]<ushort, PortInfo*, int>)Export(lib, "sb_port_info");
            PortConfigure = (delegate* unmanaged[Cdecl]<ushort, ushort, ushort, ulong, int>)Export(lib, "sb_port_configure");
            PortAdjustDescriptors = (delegate* unmanaged[Cdecl]<ushort, ushort*, ushort*, int>)Export(lib, "sb_port_adjust_desc");
            RxQueueSetup = (delegate* unmanaged[Cdecl]<ushort, ushort, ushort, int, nint, int>)Export(lib, "sb_rx_queue_setup");
            TxQueueSetup = (delegate* unmanaged[Cdecl]<ushort, ushort, ushort, int, int>)Export(lib, "sb_tx_queue_setup");
            PortStart = (delegate* unmanaged[Cdecl]<ushort, int>)Export(lib, "sb_port_start");
            PortStop = (delegate* unmanaged[Cdecl]<ushort, int>)Export(lib, "sb_port_stop");
            PortPromiscuous = (delegate* unmanaged[Cdecl]<ushort, int>)Export(lib, "sb_port_promiscuous");
            PortDetach = (delegate* unmanaged[Cdecl]<ushort, int>)Export(lib, "sb_port_detach");
            PortLink = (delegate* unmanaged[Cdecl]<ushort, LinkStatus*, int>)Export(lib, "sb_port_link");
            PortStats = (delegate* unmanaged[Cdecl]<ushort, DeviceStats*, int>)Export(lib, "sb_port_stats");
        }
        catch (EntryPointNotFoundException e)
        {
            reason = $"{path} is incomplete ({e.Message}); rebuild it (make -C native)";
            return false;
        }
        reason = "";
        return true;
    }

    private static nint Export(nint lib, string name) => NativeLibrary.GetExport(lib, name);

    /// <summary>DPDK's text for an errno (negative values accepted).</summary>
    public static string ErrorText(int err) => Marshal.PtrToStringUTF8((nint)StrError(Math.Abs(err))) ?? $"error {err}";

    public static string LastError() => ErrorText(Errno());

    [StructLayout(LayoutKind.Sequential)]
    public struct MbufLayout
    {
        public uint MbufSize, OffBufAddr, OffDataOff, OffNbSegs, OffPktLen, OffDataLen, OffBufLen, OffPool, OffNext, DefaultHeadroom, OffPort, OffOlFlags;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PortInfo
    {
        public fixed byte Driver[64];
        public fixed byte Device[128];
        public ushort MaxRxQueues, MaxTxQueues;
        public ushort RxDescMin, RxDescMax, TxDescMin, TxDescMax;
        public ulong FlowTypeRssOffloads;
        public int SocketId;
        public fixed byte Mac[6];
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct LinkStatus
    {
        public uint SpeedMbps;
        public byte Up, FullDuplex, Autoneg;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct DeviceStats
    {
        public ulong InPackets, OutPackets, InBytes, OutBytes, InMissed, InErrors, OutErrors, RxNoMbuf;
    }
}
