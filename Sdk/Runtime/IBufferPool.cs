namespace Switchboard.Sdk.Runtime;

/// <summary>
/// An owner of packet buffers (the managed pool, a DPDK mempool). A managed descriptor records its pool's
/// id and a DPDK mbuf its rte_mempool, so whichever core ends up holding a packet can return it to the right owner
/// (<see cref="BufferPools.PoolIdOf"/>).
/// </summary>
internal unsafe interface IBufferPool
{
    ushort Id { get; }
    /// <summary>Free <paramref name="count"/> descriptors that all belong to this pool. A buffer freed twice
    /// or not from this pool is skipped, the rest are freed, and then <see cref="InvalidOperationException"/> is thrown.</summary>
    void FreeBulk(PacketDesc** descs, int count);
    /// <summary>Allocate up to <paramref name="count"/> buffers; returns how many it got.</summary>
    int AllocBulk(PacketDesc** descs, int count);
}

/// <summary>Registry of live pools by id (ids are small and dense).</summary>
internal static class BufferPools
{
    private static readonly IBufferPool?[] Pools = new IBufferPool?[64];
    /// <summary>The rte_mempool of each registered DPDK pool (0 for managed pools), by id.</summary>
    private static readonly nint[] Mempools = new nint[64];
    private static readonly Lock Gate = new();

    /// <summary>Register a pool; <paramref name="mempool"/> is the rte_mempool its mbufs name (0 for a managed pool).</summary>
    public static ushort Register(Func<ushort, IBufferPool> create, out IBufferPool pool, nint mempool = 0)
    {
        lock (Gate)
        {
            for (ushort i = 1; i < Pools.Length; i++)
                if (Pools[i] is null)
                {
                    pool = Pools[i] = create(i);
                    Volatile.Write(ref Mempools[i], mempool);
                    return i;
                }
        }
        throw new InvalidOperationException("Too many buffer pools (64).");
    }

    public static void Unregister(ushort id)
    {
        lock (Gate)
        {
            Mempools[id] = 0;
            Pools[id] = null;
        }
    }

    /// <summary>The id of the live DPDK pool whose rte_mempool is <paramref name="mempool"/>, or 0.</summary>
    public static ushort IdOfMempool(nint mempool)
    {
        if (mempool == 0) return 0;
        for (int i = 1; i < Mempools.Length; i++)
            if (Mempools[i] == mempool) return (ushort)i;
        return 0;
    }

    /// <summary>The pool a descriptor belongs to: its mbuf's mempool for DPDK (a receive does not stamp mbufs), else the id it records.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static unsafe ushort PoolIdOf(PacketDesc* d) => d->Mempool != 0 ? IdOfMempool(d->Mempool) : d->PoolId;

    public static IBufferPool Get(ushort id) =>
        (id < Pools.Length ? Pools[id] : null)
        ?? throw new InvalidOperationException($"Buffer pool {id} is not registered (freed twice, or a foreign buffer?).");

    /// <summary>Free a run of descriptors, grouping consecutive ones of the same pool into one bulk call.
    /// A failing pool does not stop the others from getting their buffers back; its error is rethrown at the end.</summary>
    public static unsafe void FreeBulk(PacketDesc** descs, int count)
    {
        Exception? failure = null;
        int start = 0;
        while (start < count)
        {
            // Consecutive descriptors of one pool share its id (managed) or its mempool (DPDK): one bulk call per run.
            var first = descs[start];
            ushort id = PoolIdOf(first);
            nint mempool = first->Mempool;
            int end = start + 1;
            if (mempool != 0) while (end < count && descs[end]->Mempool == mempool) end++;
            else while (end < count && descs[end]->Mempool == 0 && descs[end]->PoolId == id) end++;
            try { Get(id).FreeBulk(descs + start, end - start); }
            catch (InvalidOperationException e) { failure ??= e; }
            start = end;
        }
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
    }
}
