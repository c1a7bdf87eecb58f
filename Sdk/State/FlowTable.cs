using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Switchboard.Sdk.State;

/// <summary>
/// A bounded per-core flow table: <see cref="FlowKey"/> to <typeparamref name="TValue"/>. Entries are kept dense
/// (in arrival order, removal moves the last entry into the hole), found through an open-addressing index
/// (linear probing, at most half full) keyed by the hash the caller passes (usually <see cref="FlowKey.TableHash"/>,
/// the cheap one, e.g. from <see cref="FlowKey.TryGet(Packet, out FlowKey, out uint)"/>; <see cref="FlowKey.Hash"/>
/// works too, but one of them for every call). An index slot (8 bytes) holds the flow's hash and its entry number, so
/// a lookup is one hash, the index slots of its probe run and one entry: a probe past another flow compares hashes in
/// the index and never loads that flow's entry. The memory a lookup touches stays proportional to the flows actually
/// present: entries are dense, and the index in use is a prefix of its preallocated array that doubles (re-indexing
/// the dense entries, no allocation) when it gets half full, so 1 000 flows in a table sized for 64 K use a 16 KB
/// index, not 1 MB. Sweeps walk a dense array, and nothing allocates after construction. Full means
/// <see cref="Capacity"/> flows: new flows are then refused (the caller decides what that means) rather than growing
/// on the packet path. Not thread-safe: one core owns it (partitioned state, thesis 3.1.1 (a)).
/// </summary>
public sealed class FlowTable<TValue> where TValue : struct
{
    /// <summary>Packed to 4 bytes: no padding after the 37-byte key and the hash, so an entry of 16-byte counters is 60
    /// bytes, not 64 (fewer cache lines for the entries in use).</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    private struct Entry
    {
        public FlowKey Key;
        public uint Hash;
        public TValue Value;
    }

    private readonly Entry[] _entries;
    /// <summary>Per slot: 0 when empty, else the entry's hash in the high half and its index + 1 in the low half, so a
    /// probe past another flow's slot compares hashes in the index and never loads that flow's entry.</summary>
    private readonly ulong[] _index;
    private int _mask;
    private const int InitialSlots = 64;

    /// <summary>A table for up to <paramref name="capacity"/> flows.</summary>
    public FlowTable(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 1 << 26);
        Capacity = capacity;
        _entries = new Entry[capacity];
        _index = new ulong[(int)BitOperations.RoundUpToPowerOf2((uint)capacity * 2)];
        _mask = Math.Min(_index.Length, InitialSlots) - 1;
    }

    /// <summary>Most flows the table holds.</summary>
    public int Capacity { get; }
    /// <summary>Flows held now.</summary>
    public int Count { get; private set; }

    /// <summary>The value of <paramref name="key"/> (whose hash, e.g. <see cref="FlowKey.TableHash"/>, is <paramref name="hash"/>),
    /// added as <c>default</c> when new (<paramref name="added"/>). When the table is full and the key is new,
    /// nothing is added and the result is a null reference (test with <see cref="Unsafe.IsNullRef{T}(ref readonly T)"/>
    /// or use <see cref="TryGetOrAdd"/>). The reference is valid until the next add or removal.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref TValue GetOrAdd(in FlowKey key, uint hash, out bool added)
    {
        var index = _index;
        var entries = _entries;
        int i = (int)hash & _mask;
        while (true)
        {
            ulong s = index[i];
            if (s == 0) break;
            if ((uint)(s >> 32) == hash)
            {
                ref var entry = ref entries[(int)(uint)s - 1];
                if (Same(entry.Key, key))
                {
                    added = false;
                    return ref entry.Value;
                }
            }
            i = (i + 1) & _mask;
        }
        added = Count < Capacity;
        if (!added) return ref Unsafe.NullRef<TValue>();
        if (Count + 1 > (_mask + 1) / 2 && _mask + 1 < index.Length)
        {
            Grow();
            i = FreeSlot(hash);
        }
        ref var fresh = ref entries[Count];
        fresh.Key = key;
        fresh.Hash = hash;
        fresh.Value = default;
        index[i] = Slot(hash, ++Count);
        return ref fresh.Value;
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
        int slot = SlotOf(key, hash);
        return ref slot < 0 ? ref Unsafe.NullRef<TValue>() : ref _entries[(int)(uint)_index[slot] - 1].Value;
    }

    /// <summary>Remove <paramref name="key"/>; false when it was not there.</summary>
    public bool Remove(in FlowKey key, uint hash)
    {
        int slot = SlotOf(key, hash);
        if (slot < 0) return false;
        RemoveAt(slot);
        return true;
    }

    /// <summary>Remove every flow for which <paramref name="expired"/> is true (e.g. idle ones, from a scheduled
    /// sweep) and return how many. Each flow is seen once; the predicate must not add or remove flows.</summary>
    public int RemoveWhere<TPredicate>(ref TPredicate expired) where TPredicate : struct, IFlowPredicate<TValue>
    {
        int removed = 0;
        for (int i = 0; i < Count;)
        {
            ref var e = ref _entries[i];
            if (expired.Matches(e.Key, ref e.Value))
            {
                RemoveAt(SlotOfEntry(i)); // the last entry (not seen yet) moves into i: look at i again
                removed++;
                continue;
            }
            i++;
        }
        return removed;
    }

    /// <summary>Every flow and its value (allocates the list: for control-plane readers).</summary>
    public List<(FlowKey Key, TValue Value)> Snapshot()
    {
        var list = new List<(FlowKey, TValue)>(Count);
        for (int i = 0; i < Count; i++) list.Add((_entries[i].Key, _entries[i].Value));
        return list;
    }

    /// <summary>Empty the table.</summary>
    public void Clear()
    {
        Array.Clear(_index, 0, _mask + 1);
        Array.Clear(_entries, 0, Count);
        Count = 0;
    }

    /// <summary>Field by field through references (the record's == copies both 40-byte keys first). The caller's key was
    /// usually just written to the stack field by field: a load wider than those stores (a 32-byte vector over four
    /// 8-byte stores) cannot be forwarded from the store buffer and stalls until they commit, so the key's side is read
    /// in the widths it was written. The low address words (IPv4 addresses live there) first: they tell flows apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Same(in FlowKey a, in FlowKey b) =>
        a.SourceLow == b.SourceLow && a.DestinationLow == b.DestinationLow && a.SourcePort == b.SourcePort
        && a.DestinationPort == b.DestinationPort && a.SourceHigh == b.SourceHigh && a.DestinationHigh == b.DestinationHigh
        && a.Protocol == b.Protocol;

    /// <summary>Double the index in use and re-index every entry (no allocation: the array was sized for the capacity).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow()
    {
        int size = Math.Min(_index.Length, (_mask + 1) * 2);
        Array.Clear(_index, 0, size);
        _mask = size - 1;
        for (int e = 0; e < Count; e++) _index[FreeSlot(_entries[e].Hash)] = Slot(_entries[e].Hash, e + 1);
    }

    /// <summary>An index slot: the hash above, the entry number + 1 below (never 0).</summary>
    private static ulong Slot(uint hash, int entryPlusOne) => (ulong)hash << 32 | (uint)entryPlusOne;

    private int FreeSlot(uint hash)
    {
        int i = (int)hash & _mask;
        while (_index[i] != 0) i = (i + 1) & _mask;
        return i;
    }

    private int SlotOf(in FlowKey key, uint hash)
    {
        for (int i = (int)hash & _mask; ; i = (i + 1) & _mask)
        {
            ulong s = _index[i];
            if (s == 0) return -1;
            if ((uint)(s >> 32) == hash && Same(_entries[(int)(uint)s - 1].Key, key)) return i;
        }
    }

    /// <summary>The index slot that points at entry <paramref name="entry"/>.</summary>
    private int SlotOfEntry(int entry)
    {
        int i = (int)_entries[entry].Hash & _mask;
        while ((uint)_index[i] != (uint)(entry + 1)) i = (i + 1) & _mask;
        return i;
    }

    private void RemoveAt(int slot)
    {
        int entry = (int)(uint)_index[slot] - 1;
        // Close the index hole by backward shift (Knuth 6.4, algorithm R): move each later slot of the probe run
        // into the hole when its home does not lie cyclically in (hole, j].
        int hole = slot, j = slot;
        while (true)
        {
            j = (j + 1) & _mask;
            ulong s = _index[j];
            if (s == 0) break;
            int home = (int)(s >> 32) & _mask;
            bool stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
            if (stays) continue;
            _index[hole] = s;
            hole = j;
        }
        _index[hole] = 0;
        // Keep the entries dense: the last one moves into the freed entry.
        int last = Count - 1;
        if (entry != last)
        {
            _index[SlotOfEntry(last)] = Slot(_entries[last].Hash, entry + 1);
            _entries[entry] = _entries[last];
        }
        _entries[last] = default;
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
