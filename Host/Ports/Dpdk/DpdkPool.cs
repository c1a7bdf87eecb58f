using System.Runtime.InteropServices;
using Switchboard.Sdk;
using Switchboard.Sdk.Runtime;

namespace Switchboard.Host.Ports.Dpdk;

/// <summary>
/// A DPDK packet mempool whose mbufs are <see cref="PacketDesc"/>s (Switchboard's part in their private area),
/// registered with <see cref="BufferPools"/> so whichever core drops or sends a packet frees it back in bulk
/// (rte_pktmbuf_free_bulk). As in any DPDK application nothing marks a free mbuf (that would cost a store per
/// packet on receive and send), so a double free is not caught here; a descriptor that is not in one of this
/// pool's mbufs is skipped and reported.
/// </summary>
internal sealed unsafe class DpdkPool : IBufferPool, IDisposable
{
    /// <summary>Private area per mbuf: Switchboard's part of the <see cref="PacketDesc"/> (DPDK wants a multiple of 8),
    /// plus one unused cache line. The padding is for the mempool's object stride: with 128 bytes the forward loop (ours,
    /// and the C loop run in this process alike) lost 10-15 % to cache conflicts between mbufs (bench native, 128 vs 192
    /// vs 320 alternated: 0.72-0.81 vs 0.87-0.89 vs 0.86-0.90 of the C process).</summary>
    public const int PrivateBytes = PacketDesc.PrivateBytes + 64;
    /// <summary>Data room after the headroom, like <c>RTE_MBUF_DEFAULT_DATAROOM</c>.</summary>
    public const int DefaultDataRoom = 2048;
    private const int FreeChunk = 64;
    private static int s_names;
    private bool _disposed;

    public DpdkPool(int size, int cacheSize, int socket = -1)
    {
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
            NativeMemory.Free(name);
        }
        if (Mempool == 0)
            throw new DpdkUnavailableException($"rte_pktmbuf_pool_create({size} mbufs, cache {cacheSize}) failed: {DpdkNative.LastError()}" +
                                               "; lower dpdk.mempoolSize or give the EAL more memory (-m)");
        Id = BufferPools.Register(_ => this, out _, Mempool);
        DpdkEal.Track(this);
        VerifyLayout();
        PrepareDescriptors();
    }

    /// <summary>Clear Switchboard's part of every mbuf once (the private area starts as whatever memory held),
    /// so a receive writes only its first cache line.</summary>
    private void PrepareDescriptors()
    {
        var all = new nint[Size];
        int n = 0;
        fixed (nint* p = all)
        {
            while (n < all.Length && DpdkNative.MbufAllocBulk(Mempool, p + n, 1) == 0)
            {
                NativeMemory.Clear((byte*)p[n] + PacketDesc.MbufBytes, PacketDesc.PrivateBytes); // PoolId 0: free
                n++;
            }
            if (n > 0) DpdkNative.MbufFreeBulk(p, (uint)n);
        }
        DpdkNative.PoolCacheFlush(Mempool);
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
        string? problem = Mbuf.VerifyLayout(m);
        DpdkNative.MbufFreeBulk(&m, 1);
        if (problem is not null)
        {
            Dispose();
            throw new DpdkUnavailableException(problem + "; the shim was built against another DPDK: rebuild it (make -C native)");
        }
    }

    public int AllocBulk(PacketDesc** descs, int count)
    {
        if (count <= 0) return 0;
        int n = count;
        // rte_pktmbuf_alloc_bulk is all-or-nothing; halve the request until it fits. Mbufs are descriptors.
        while (n > 0 && DpdkNative.MbufAllocBulk(Mempool, (nint*)descs, (uint)n) != 0) n /= 2;
        for (int i = 0; i < n; i++)
        {
            var d = descs[i];
            d->ResetState(0); // geometry as rte_pktmbuf_alloc left it: default headroom, length 0
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
            // Like any DPDK application's, an mbuf's ownership is by discipline: nothing marks a free one (that
            // would cost a store per packet on receive and send), so only another pool's mbufs are caught here.
            if (d->Mempool != Mempool)
            {
                if (bad++ == 0) firstBad = (nint)d;
                continue;
            }
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
                $"DPDK pool '{Name}': {bad} buffer(s) not owned by this pool (first 0x{firstBad:x}); they were ignored.");
    }

    /// <summary>Free the mempool. Every port using it must be stopped or detached first.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        DpdkEal.Untrack(this);
        BufferPools.Unregister(Id);
        DpdkNative.PoolFree(Mempool);
    }
}
