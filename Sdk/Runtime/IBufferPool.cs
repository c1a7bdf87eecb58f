namespace Switchboard.Sdk.Runtime;

/// <summary>
/// An owner of packet buffers (the managed pool, a DPDK mempool). Every descriptor records its pool's
/// id, so whichever core ends up holding a packet can return it to the right owner.
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
    private static readonly Lock Gate = new();

    public static ushort Register(Func<ushort, IBufferPool> create, out IBufferPool pool)
    {
        lock (Gate)
        {
            for (ushort i = 1; i < Pools.Length; i++)
                if (Pools[i] is null) { pool = Pools[i] = create(i); return i; }
        }
        throw new InvalidOperationException("Too many buffer pools (64).");
    }

    public static void Unregister(ushort id) { lock (Gate) Pools[id] = null; }

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
            ushort id = descs[start]->PoolId;
            int end = start + 1;
            while (end < count && descs[end]->PoolId == id) end++;
            try { Get(id).FreeBulk(descs + start, end - start); }
            catch (InvalidOperationException e) { failure ??= e; }
            start = end;
        }
        if (failure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
    }
}
