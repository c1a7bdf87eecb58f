using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Switchboard.Sdk.Runtime;

/// <summary>
/// The host's managed-port buffer pool: one native allocation cut into fixed blocks, each
/// <c>[descriptor | headroom | data]</c>, so a packet's descriptor sits next to its bytes like a DPDK
/// mbuf's private area. Free buffers sit in a global stack behind a lock; each worker core keeps a
/// local cache and touches the global stack only in bulk (the DPDK mempool design). One state byte
/// per block records whether the pool holds it, so a double free or a foreign pointer is reported at
/// the free that did it instead of corrupting the stack.
/// </summary>
internal sealed unsafe class NativePool : IBufferPool, IDisposable
{
    public const int DescriptorBytes = PacketDesc.Size;
    public const int DefaultHeadroom = 128;
    public const int DefaultDataRoom = 2048;
    private const int CacheSize = 512, CacheBulk = 256;

    private readonly byte* _memory;
    private readonly int _blockSize;
    private readonly nint[] _free;
    private int _freeCount;
    private readonly Lock _gate = new();
    private readonly Cache[] _caches;
    /// <summary>Per block: 1 while the pool holds it (global stack or a cache), 0 while handed out.</summary>
    private readonly byte[] _pooled;
    private bool _disposed;

    [ThreadStatic] private static int t_worker;

    /// <summary>Set on each worker thread (0..cores-1) so frees from that thread use its cache.
    /// Threads that never set it use the locked global stack.</summary>
    public static void SetWorkerIndex(int index) => t_worker = index + 1;

    private sealed class Cache
    {
        public readonly nint[] Items = new nint[CacheSize];
        public int Count;
    }

    public NativePool(string name, int buffers, int maxWorkers, int headroom = DefaultHeadroom, int dataRoom = DefaultDataRoom)
    {
        if (sizeof(PacketDesc) > DescriptorBytes) throw new InvalidOperationException("PacketDesc outgrew its slot.");
        if (headroom + dataRoom > ushort.MaxValue) throw new ArgumentOutOfRangeException(nameof(dataRoom), "A buffer holds at most 65535 bytes.");
        Name = name;
        Size = buffers;
        Headroom = headroom;
        DataRoom = dataRoom;
        _blockSize = (DescriptorBytes + headroom + dataRoom + 63) & ~63;
        _memory = (byte*)NativeMemory.AlignedAlloc((nuint)((long)_blockSize * buffers), 64);
        _free = new nint[buffers];
        _pooled = new byte[buffers];
        Array.Fill(_pooled, (byte)1);
        for (int i = buffers - 1; i >= 0; i--)
        {
            var d = (PacketDesc*)(_memory + (long)i * _blockSize);
            *d = default;
            d->Buffer = (byte*)d + DescriptorBytes;
            d->Capacity = headroom + dataRoom;
            d->Data = d->Buffer + headroom;
            _free[_freeCount++] = (nint)d;
        }
        _caches = new Cache[maxWorkers + 1];
        for (int i = 0; i < _caches.Length; i++) _caches[i] = new Cache();
        Id = BufferPools.Register(_ => this, out _);
        foreach (var p in _free.AsSpan(0, _freeCount)) ((PacketDesc*)p)->PoolId = Id;
    }

    public string Name { get; }
    public ushort Id { get; }
    public int Size { get; }
    public int Headroom { get; }
    public int DataRoom { get; }

    /// <summary>Buffers currently handed out (not in the global stack or any cache). Exact only when workers are idle.</summary>
    public int InUse
    {
        get
        {
            lock (_gate) return Size - _freeCount - _caches.Sum(c => c.Count);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Cache? LocalCache()
    {
        int w = t_worker;
        return w > 0 && w < _caches.Length ? _caches[w] : null;
    }

    public int AllocBulk(PacketDesc** descs, int count)
    {
        var cache = LocalCache();
        int n;
        if (cache is null || count > CacheBulk) n = AllocGlobal(descs, count); // large requests bypass the cache
        else
        {
            if (cache.Count < count)
            {
                // Enough for this request plus a bulk for the next ones (at most CacheSize in all).
                int want = count - cache.Count + CacheBulk;
                fixed (nint* c = cache.Items) cache.Count += AllocGlobal((PacketDesc**)(c + cache.Count), want);
            }
            n = Math.Min(count, cache.Count);
            for (int i = 0; i < n; i++) descs[i] = (PacketDesc*)cache.Items[--cache.Count];
        }
        for (int i = 0; i < n; i++) _pooled[IndexOf(descs[i])] = 0;
        return n;
    }

    /// <summary>Return buffers to the pool. Buffers freed twice or not from this pool are skipped
    /// (the pool stays consistent) and reported by an exception after the rest are freed.</summary>
    public void FreeBulk(PacketDesc** descs, int count)
    {
        int bad = 0;
        nint firstBad = 0;
        var cache = LocalCache();
        if (cache is null)
        {
            lock (_gate)
            {
                for (int i = 0; i < count; i++)
                {
                    if (!MarkPooled(descs[i])) { if (bad++ == 0) firstBad = (nint)descs[i]; continue; }
                    _free[_freeCount++] = (nint)descs[i];
                }
            }
        }
        else
        {
            for (int i = 0; i < count; i++)
            {
                if (!MarkPooled(descs[i])) { if (bad++ == 0) firstBad = (nint)descs[i]; continue; }
                if (cache.Count == CacheSize)
                {
                    fixed (nint* c = cache.Items) FreeGlobal((PacketDesc**)(c + CacheSize - CacheBulk), CacheBulk);
                    cache.Count -= CacheBulk;
                }
                cache.Items[cache.Count++] = (nint)descs[i];
            }
        }
        if (bad > 0)
            throw new InvalidOperationException(
                $"Pool '{Name}': {bad} buffer(s) freed twice or not owned by this pool (first 0x{firstBad:x}); they were ignored.");
    }

    /// <summary>Block index of a descriptor of this pool, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long IndexOf(PacketDesc* d)
    {
        long off = (byte*)d - _memory;
        if (off < 0 || off % _blockSize != 0) return -1;
        long i = off / _blockSize;
        return i < Size ? i : -1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool MarkPooled(PacketDesc* d)
    {
        long i = IndexOf(d);
        if (i < 0 || _pooled[i] != 0) return false;
        _pooled[i] = 1;
        return true;
    }

    /// <summary>Return every worker cache to the global stack (call when workers have stopped).</summary>
    public void DrainCaches()
    {
        foreach (var c in _caches)
        {
            fixed (nint* p = c.Items) FreeGlobal((PacketDesc**)p, c.Count);
            c.Count = 0;
        }
    }

    private int AllocGlobal(PacketDesc** descs, int count)
    {
        lock (_gate)
        {
            int n = Math.Min(count, _freeCount);
            for (int i = 0; i < n; i++) descs[i] = (PacketDesc*)_free[--_freeCount];
            return n;
        }
    }

    private void FreeGlobal(PacketDesc** descs, int count)
    {
        lock (_gate)
        {
            for (int i = 0; i < count; i++) _free[_freeCount++] = (nint)descs[i];
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        BufferPools.Unregister(Id);
        NativeMemory.AlignedFree(_memory);
    }
}
