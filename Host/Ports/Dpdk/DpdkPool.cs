using Switchboard.Sdk;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Host.Ports.Dpdk;

/// <summary>
/// A DPDK packet mempool whose mbufs carry the packet's <see cref="PacketDesc"/> in their private area,
/// registered with <see cref="BufferPools"/> so whichever core drops or sends a packet frees it back in bulk
/// (rte_pktmbuf_free_bulk). A freed descriptor's pool id is cleared, so freeing it twice is reported by the
/// registry instead of corrupting the mempool; a descriptor that is not in one of this pool's mbufs is
/// skipped and reported.
/// </summary>
internal sealed unsafe class DpdkPool : IBufferPool, IDisposable
{
    /// <summary>Private area per mbuf: room for a <see cref="PacketDesc"/> (DPDK wants a multiple of 8).</summary>
    public const int PrivateBytes = 192;
    /// <summary>Data room after the headroom, like <c>RTE_MBUF_DEFAULT_DATAROOM</c>.</summary>
    public const int DefaultDataRoom = 2048;
    private const int FreeChunk = 64;
    private static int s_names;
    /// <summary>Pool ids (from <see cref="BufferPools"/>) that are DPDK mempools: their packets are mbufs a port can send as they are.</summary>
    private static readonly bool[] DpdkIds = new bool[64];
    private static readonly nint[] MempoolOfId = new nint[64];
    private bool _disposed;

    public DpdkPool(int size, int cacheSize, int socket = -1)
    {
        if (sizeof(PacketDesc) > PrivateBytes) throw new InvalidOperationException("PacketDesc outgrew the mbuf private area.");
        if (!DpdkEal.IsInitialized) throw new InvalidOperationException("The DPDK EAL is not initialised.");
        Name = $"sb_pool{Interlocked.Increment(ref s_names)}";
        Size = size;
        Headroom = Mbuf.DefaultHeadroom;
        DataRoom = DefaultDataRoom;
        var name = DpdkEal.Utf8(Name);
        try
        {
            Mempool = DpdkNative.PoolCreate(name, (uint)size, (uint)cacheSize, PrivateBytes, (ushort)(Headroom + DataRoom), socket);
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.Free(name);
        }
        if (Mempool == 0)
            throw new DpdkUnavailableException($"rte_pktmbuf_pool_create({size} mbufs, cache {cacheSize}) failed: {DpdkNative.LastError()}" +
                                               "; lower dpdk.mempoolSize or give the EAL more memory (-m)");
        Id = BufferPools.Register(_ => this, out _);
        MempoolOfId[Id] = Mempool;
        Volatile.Write(ref DpdkIds[Id], true);
        DpdkEal.Track(this);
        VerifyLayout();
        PrepareDescriptors();
    }

    /// <summary>Point every mbuf's descriptor at its buffer once, so a receive writes only the descriptor's first
    /// cache line (Handle lives outside it; Buffer and Capacity are rewritten per packet from the mbuf's hot line,
    /// since a driver may attach an external buffer).</summary>
    private void PrepareDescriptors()
    {
        var all = new nint[Size];
        int n = 0;
        fixed (nint* p = all)
        {
            while (n < all.Length && DpdkNative.MbufAllocBulk(Mempool, p + n, 1) == 0)
            {
                Attach(p[n], Mbuf.Desc(p[n]));
                Mbuf.Desc(p[n])->PoolId = 0; // free
                n++;
            }
            if (n > 0) DpdkNative.MbufFreeBulk(p, (uint)n);
        }
        DpdkNative.PoolCacheFlush(Mempool);
    }

    /// <summary>True when descriptors of pool <paramref name="poolId"/> live in mbufs (any DPDK pool).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static bool IsDpdk(ushort poolId) => poolId < DpdkIds.Length && DpdkIds[poolId];

    /// <summary>The registered id of a live DPDK pool by its rte_mempool, or 0.</summary>
    public static ushort IdOf(nint mempool)
    {
        for (int i = 1; i < MempoolOfId.Length; i++)
            if (MempoolOfId[i] == mempool && DpdkIds[i]) return (ushort)i;
        return 0;
    }

    public string Name { get; }
    public nint Mempool { get; }
    public ushort Id { get; }
    public int Size { get; }
    public int Headroom { get; }
    public int DataRoom { get; }

    /// <summary>Mbufs handed out (rte_mempool_in_use_count; per-lcore caches count as free).</summary>
    public int InUse => (int)DpdkNative.PoolInUse(Mempool);

    private void VerifyLayout()
    {
        nint m;
        if (DpdkNative.MbufAllocBulk(Mempool, &m, 1) != 0) return;
        string? problem = Mbuf.Verify(m);
        DpdkNative.MbufFreeBulk(&m, 1);
        if (problem is not null)
        {
            Dispose();
            throw new DpdkUnavailableException(problem + "; the shim was built against another DPDK: rebuild it (make -C native)");
        }
    }

    /// <summary>Point an mbuf's descriptor at its data and claim it for this pool (the receive-side reset follows).</summary>
    public void Attach(nint m, PacketDesc* d)
    {
        d->Buffer = Mbuf.BufAddr(m);
        d->Handle = m;
        d->Capacity = Mbuf.BufLen(m);
        d->PoolId = Id;
    }

    public int AllocBulk(PacketDesc** descs, int count)
    {
        if (count <= 0) return 0;
        var mbufs = (nint*)descs; // same size: fill in place, then turn each mbuf into its descriptor
        int n = count;
        // rte_pktmbuf_alloc_bulk is all-or-nothing; halve the request until it fits.
        while (n > 0 && DpdkNative.MbufAllocBulk(Mempool, mbufs, (uint)n) != 0) n /= 2;
        for (int i = 0; i < n; i++)
        {
            nint m = mbufs[i];
            var d = Mbuf.Desc(m);
            Attach(m, d);
            d->ResetForReceive(Mbuf.DataOff(m), 0, 0);
            descs[i] = d;
        }
        return n;
    }

    public void FreeBulk(PacketDesc** descs, int count)
    {
        var chunk = stackalloc nint[FreeChunk];
        int n = 0, bad = 0;
        nint firstBad = 0;
        for (int i = 0; i < count; i++)
        {
            var d = descs[i];
            nint m = Mbuf.Of(d);
            if (d->PoolId != Id || Mbuf.Pool(m) != Mempool)
            {
                if (bad++ == 0) firstBad = (nint)d;
                continue;
            }
            d->PoolId = 0; // a second free of this descriptor now fails in the registry
            chunk[n++] = m;
            if (n == FreeChunk)
            {
                DpdkNative.MbufFreeBulk(chunk, (uint)n);
                n = 0;
            }
        }
        if (n > 0) DpdkNative.MbufFreeBulk(chunk, (uint)n);
        if (bad > 0)
            throw new InvalidOperationException(
                $"DPDK pool '{Name}': {bad} buffer(s) freed twice or not owned by this pool (first 0x{firstBad:x}); they were ignored.");
    }

    /// <summary>Free the mempool. Every port using it must be stopped or detached first.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        DpdkEal.Untrack(this);
        Volatile.Write(ref DpdkIds[Id], false);
        MempoolOfId[Id] = 0;
        BufferPools.Unregister(Id);
        DpdkNative.PoolFree(Mempool);
    }
}
