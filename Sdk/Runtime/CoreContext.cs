using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Switchboard.Sdk.Runtime;

/// <summary>
/// Everything one core's pipeline shares: its drop list (freed in bulk), its schedulable nodes, the
/// buffer pool it allocates from, and the registry of objects shared by the replicas of a chain on
/// other cores (shuffle exchanges, bounded-consistency stores).
/// </summary>
internal sealed unsafe class CoreContext
{
    public CoreContext(int coreId, int coreCount, SharedRegistry shared, IBufferPool? allocator, int batchSize = PacketBatch.DefaultCapacity)
    {
        CoreId = coreId;
        CoreCount = coreCount;
        Shared = shared;
        Allocator = allocator;
        BatchSize = batchSize;
        _drops = new PacketDesc*[DropCapacity];
    }

    private const int DropCapacity = 256;
    private readonly PacketDesc*[] _drops;
    private int _dropCount;

    public int CoreId { get; }
    public int CoreCount { get; }
    public int BatchSize { get; }
    public SharedRegistry Shared { get; }
    public IBufferPool? Allocator { get; }
    public List<ISchedulable> Schedulables { get; } = [];
    /// <summary>Packets dropped on this core (by any node).</summary>
    public long DroppedTotal;

    /// <summary>Hand a packet to the host for freeing; buffers go back to their pools in bulk.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Drop(PacketDesc* d)
    {
        DroppedTotal++;
        Free(d);
    }

    /// <summary>Drop every packet of a batch and empty it.</summary>
    public void DropAll(PacketBatch batch)
    {
        DroppedTotal += batch.Count;
        FreeAll(batch);
    }

    /// <summary>Return a packet whose journey ended normally (sent and done with, consumed by a sink):
    /// freed in bulk like a drop but not counted as one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Free(PacketDesc* d)
    {
        _drops[_dropCount++] = d;
        if (_dropCount == DropCapacity) FlushDrops();
    }

    /// <summary>Free every packet of a batch (see <see cref="Free"/>) and empty it.</summary>
    public void FreeAll(PacketBatch batch)
    {
        for (int i = 0; i < batch.Count; i++) Free(batch.Items[i]);
        batch.Clear();
    }

    /// <summary>Free the dropped packets. The list is emptied first, so a pool's double-free error
    /// surfaces once instead of on every later flush.</summary>
    public void FlushDrops()
    {
        int n = _dropCount;
        if (n == 0) return;
        _dropCount = 0;
        fixed (PacketDesc** p = _drops) BufferPools.FreeBulk(p, n);
    }

    public static long Now => Stopwatch.GetTimestamp();
}

/// <summary>Objects shared by all core replicas of a deployment, created once by key.</summary>
public sealed class SharedRegistry
{
    private readonly Dictionary<string, object> _items = [];
    private readonly Lock _gate = new();

    public T GetOrAdd<T>(string key, Func<T> create) where T : class
    {
        lock (_gate)
        {
            if (_items.TryGetValue(key, out var o))
                return o as T ?? throw new InvalidOperationException($"Shared object '{key}' is a {o.GetType().Name}, not a {typeof(T).Name}.");
            var made = create();
            _items[key] = made;
            return made;
        }
    }

    /// <summary>Forget every object whose key matches (a retired NF generation's), so nothing keeps its
    /// plugin's load context alive. Returns how many were removed.</summary>
    internal int RemoveWhere(Func<string, bool> match)
    {
        lock (_gate)
        {
            var keys = _items.Keys.Where(match).ToList();
            foreach (var k in keys) _items.Remove(k);
            return keys.Count;
        }
    }

    /// <summary>The keys present (diagnostics and tests).</summary>
    internal IReadOnlyList<string> Keys
    {
        get { lock (_gate) return _items.Keys.ToList(); }
    }
}
