using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Switchboard.Sdk.Runtime;

/// <summary>
/// Single-producer single-consumer ring of pointers between two cores (shuffle). Head and tail live
/// on separate cache lines; each side caches the other's index to touch shared lines rarely.
/// </summary>
internal sealed class SpscRing
{
    private readonly nint[] _slots;
    private readonly int _mask;
    private Indices _idx;

    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct Indices
    {
        [FieldOffset(64)] public long Head;        // next slot to write (producer)
        [FieldOffset(72)] public long CachedTail;  // producer's view of Tail
        [FieldOffset(128)] public long Tail;       // next slot to read (consumer)
        [FieldOffset(136)] public long CachedHead; // consumer's view of Head
    }

    public SpscRing(int capacityPowerOfTwo)
    {
        if (!System.Numerics.BitOperations.IsPow2(capacityPowerOfTwo)) throw new ArgumentException("Ring capacity must be a power of two.");
        _slots = new nint[capacityPowerOfTwo];
        _mask = capacityPowerOfTwo - 1;
    }

    public int Capacity => _slots.Length;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryEnqueue(nint item)
    {
        long head = _idx.Head;
        if (head - _idx.CachedTail >= _slots.Length)
        {
            _idx.CachedTail = Volatile.Read(ref _idx.Tail);
            if (head - _idx.CachedTail >= _slots.Length) return false;
        }
        _slots[head & _mask] = item;
        Volatile.Write(ref _idx.Head, head + 1);
        return true;
    }

    /// <summary>Dequeue up to dest.Length items.</summary>
    public int DequeueBulk(Span<nint> dest)
    {
        long tail = _idx.Tail;
        // Look at the producer's index only when the cached view cannot fill the request.
        if (_idx.CachedHead - tail < dest.Length) _idx.CachedHead = Volatile.Read(ref _idx.Head);
        int n = (int)Math.Min(_idx.CachedHead - tail, dest.Length);
        for (int i = 0; i < n; i++) dest[i] = _slots[(tail + i) & _mask];
        if (n > 0) Volatile.Write(ref _idx.Tail, tail + n);
        return n;
    }

    public long Count => Volatile.Read(ref _idx.Head) - Volatile.Read(ref _idx.Tail);
}
