using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Switchboard.Sdk.Runtime;

/// <summary>
/// The host's managed-port buffer pool: one native allocation cut into fixed blocks, each
/// <c>[descriptor | headroom | data]</c>, so a packet's descriptor sits next to its bytes like a DPDK
/// mbuf's private area. Free buffers sit in a global stack behind a lock; each worker core keeps a
/// local cache and touches the global stack only in bulk (the DPDK mempool design).
/// </summary>
internal sealed unsafe class NativePool : IBufferPool, IDisposable
{
    public const int DescriptorBytes = 192;
    public const int DefaultHeadroom = 128;
    public const int DefaultDataRoom = 2048;
    private const int CacheSize = 512, CacheBulk = 256;

    private readonly byte* _memory;
    private readonly int _blockSize;
    private readonly nint[] _free;
    private int _freeCount;
    private readonly Lock _gate = new();
    private readonly Cache[] _caches;
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
        Name = name;
        Size = buffers;
        Headroom = headroom;
        DataRoom = dataRoom;
        _blockSize = (DescriptorBytes + headroom + dataRoom + 63) & ~63;
        _memory = (byte*)NativeMemory.AlignedAlloc((nuint)((long)_blockSize * buffers), 64);
        _free = new nint[buffers];
        for (int i = buffers - 1; i >= 0; i--)
        {
            var d = (PacketDesc*)(_memory + (long)i * _blockSize);
            *d = default;
            d->Buffer = (byte*)d + DescriptorBytes;
            d->Capacity = headroom + dataRoom;
            d->Data = d->Buffer + headroom;
            d->Handle = (nint)d;
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
        if (cache is null) return AllocGlobal(descs, count);
        if (cache.Count < count)
        {
            fixed (nint* c = cache.Items) cache.Count += AllocGlobal((PacketDesc**)(c + cache.Count), Math.Min(CacheBulk, CacheSize - cache.Count));
        }
        int n = Math.Min(count, cache.Count);
        for (int i = 0; i < n; i++)
        {
            var d = (PacketDesc*)cache.Items[--cache.Count];
            descs[i] = d;
        }
        return n;
    }

    public void FreeBulk(PacketDesc** descs, int count)
    {
        var cache = LocalCache();
        if (cache is null) { FreeGlobal(descs, count); return; }
        for (int i = 0; i < count; i++)
        {
            if (cache.Count == CacheSize)
            {
                fixed (nint* c = cache.Items) FreeGlobal((PacketDesc**)(c + CacheSize - CacheBulk), CacheBulk);
                cache.Count -= CacheBulk;
            }
            cache.Items[cache.Count++] = (nint)descs[i];
        }
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
            for (int i = 0; i < count; i++)
            {
                if (_freeCount == _free.Length) throw new InvalidOperationException($"Pool '{Name}': more buffers freed than exist (double free).");
                _free[_freeCount++] = (nint)descs[i];
            }
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
