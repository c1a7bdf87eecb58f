using System.Numerics;
using System.Runtime.CompilerServices;

namespace Switchboard.Sdk.State;

/// <summary>
/// A bounded per-core flow table: <see cref="FlowKey"/> to <typeparamref name="TValue"/>, open addressing with
/// linear probing over one pre-sized array (at most half full), so a lookup is one hash the caller already has
/// (<see cref="FlowKey.HashOf"/> caches it on the packet), usually one cache line, and never an allocation.
/// Full means <see cref="Capacity"/> flows: new flows are then refused (the caller decides what that means)
/// rather than growing on the packet path. Removal shifts later entries back (no tombstones), so a table that
/// churns keeps its probe lengths. Not thread-safe: one core owns it (partitioned state, thesis 3.1.1 (a)).
/// </summary>
public sealed class FlowTable<TValue> where TValue : struct
{
    private struct Slot
    {
        public FlowKey Key;
        public uint Hash;
        public bool Used;
        public TValue Value;
    }

    private readonly Slot[] _slots;
    private readonly int _mask;

    /// <summary>A table for up to <paramref name="capacity"/> flows.</summary>
    public FlowTable(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 1 << 26);
        Capacity = capacity;
        _slots = new Slot[(int)BitOperations.RoundUpToPowerOf2((uint)capacity * 2)];
        _mask = _slots.Length - 1;
    }

    /// <summary>Most flows the table holds.</summary>
    public int Capacity { get; }
    /// <summary>Flows held now.</summary>
    public int Count { get; private set; }

    /// <summary>The value of <paramref name="key"/> (whose <see cref="FlowKey.Hash"/> is <paramref name="hash"/>),
    /// added as <c>default</c> when new (<paramref name="added"/>). When the table is full and the key is new,
    /// nothing is added and the result is a null reference (test with <see cref="Unsafe.IsNullRef{T}(ref readonly T)"/>
    /// or use <see cref="TryGetOrAdd"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref TValue GetOrAdd(in FlowKey key, uint hash, out bool added)
    {
        var slots = _slots;
        int i = (int)hash & _mask;
        while (true)
        {
            ref var s = ref slots[i];
            if (!s.Used) break;
            if (s.Hash == hash && s.Key == key)
            {
                added = false;
                return ref s.Value;
            }
            i = (i + 1) & _mask;
        }
        added = Count < Capacity;
        if (!added) return ref Unsafe.NullRef<TValue>();
        ref var free = ref slots[i];
        free.Key = key;
        free.Hash = hash;
        free.Used = true;
        free.Value = default;
        Count++;
        return ref free.Value;
    }

    /// <summary><see cref="GetOrAdd"/> for callers that prefer a flag to a null reference: false when the key is
    /// new and the table is full.</summary>
    public bool TryGetOrAdd(in FlowKey key, uint hash, out bool added, out TValue value)
    {
        ref var v = ref GetOrAdd(key, hash, out added);
        if (Unsafe.IsNullRef(ref v)) { value = default; return false; }
        value = v;
        return true;
    }

    /// <summary>The value of <paramref name="key"/>, or a null reference when it is not in the table.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref TValue Find(in FlowKey key, uint hash)
    {
        var slots = _slots;
        for (int i = (int)hash & _mask; ; i = (i + 1) & _mask)
        {
            ref var s = ref slots[i];
            if (!s.Used) return ref Unsafe.NullRef<TValue>();
            if (s.Hash == hash && s.Key == key) return ref s.Value;
        }
    }

    /// <summary>Remove <paramref name="key"/>; false when it was not there.</summary>
    public bool Remove(in FlowKey key, uint hash)
    {
        for (int i = (int)hash & _mask; ; i = (i + 1) & _mask)
        {
            ref var s = ref _slots[i];
            if (!s.Used) return false;
            if (s.Hash == hash && s.Key == key)
            {
                RemoveAt(i);
                return true;
            }
        }
    }

    /// <summary>Remove every flow for which <paramref name="expired"/> is true (e.g. idle ones, from a scheduled
    /// sweep) and return how many. The predicate must not touch the table; it may see a flow twice when removals
    /// move entries across the array's end, so it must give the same answer for the same flow.</summary>
    public int RemoveWhere<TPredicate>(ref TPredicate expired) where TPredicate : struct, IFlowPredicate<TValue>
    {
        int removed = 0;
        for (int i = 0; i < _slots.Length;)
        {
            ref var s = ref _slots[i];
            if (s.Used && expired.Matches(s.Key, ref s.Value))
            {
                RemoveAt(i); // a later entry may have moved into slot i: look at it again
                removed++;
                continue;
            }
            i++;
        }
        return removed;
    }

    /// <summary>Every flow and its value (allocates the enumeration's list: for control-plane readers).</summary>
    public List<(FlowKey Key, TValue Value)> Snapshot()
    {
        var list = new List<(FlowKey, TValue)>(Count);
        foreach (ref readonly var s in _slots.AsSpan())
            if (s.Used) list.Add((s.Key, s.Value));
        return list;
    }

    /// <summary>Empty the table.</summary>
    public void Clear()
    {
        Array.Clear(_slots);
        Count = 0;
    }

    private void RemoveAt(int hole)
    {
        // Backward-shift deletion (Knuth 6.4, algorithm R): move each later entry of the probe run into the hole
        // when its home slot does not lie cyclically in (hole, j].
        var slots = _slots;
        int j = hole;
        while (true)
        {
            j = (j + 1) & _mask;
            ref var s = ref slots[j];
            if (!s.Used) break;
            int home = (int)s.Hash & _mask;
            bool stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
            if (stays) continue;
            slots[hole] = s;
            hole = j;
        }
        slots[hole] = default;
        Count--;
    }
}

/// <summary>A condition over a flow and its value, for <see cref="FlowTable{TValue}.RemoveWhere"/> (a struct, so the
/// JIT inlines it into the sweep).</summary>
public interface IFlowPredicate<TValue>
{
    /// <summary>True to remove the flow. The value may be updated in place.</summary>
    bool Matches(in FlowKey key, ref TValue value);
}
