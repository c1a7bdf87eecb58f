using System.Numerics;
using System.Runtime.CompilerServices;

namespace Switchboard.Plugins.Nat;

/// <summary>
/// The outbound index of one core's mappings: <see cref="OutKey"/> to mapping slot. Open addressing with linear
/// probing over a pre-sized array (at most half full) whose slots hold the key's hash and the mapping slot, and the
/// key is compared against the mapping itself: a lookup is one hash, one index slot and the mapping the packet
/// needs next anyway (a Dictionary adds its bucket and entry arrays in between). Removal closes the hole by backward
/// shift, so no tombstones accumulate. Not thread-safe: one core owns it.
/// </summary>
internal sealed class OutboundIndex
{
    /// <summary>Per slot: 0 when empty, else the key's hash (high 32 bits) and the mapping slot + 1 (low 32 bits).</summary>
    private readonly ulong[] _slots;
    private readonly int _mask;
    private readonly Mapping[] _maps;

    public OutboundIndex(Mapping[] maps)
    {
        _maps = maps;
        _slots = new ulong[(int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, maps.Length * 2))];
        _mask = _slots.Length - 1;
    }

    public int Count { get; private set; }

    /// <summary>The mapping slot of <paramref name="key"/>, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(in OutKey key)
    {
        uint hash = key.Hash;
        for (int i = (int)hash & _mask; ; i = (i + 1) & _mask)
        {
            ulong s = _slots[i];
            if (s == 0) return -1;
            if ((uint)(s >> 32) == hash)
            {
                int slot = (int)(uint)s - 1;
                if (key.Matches(_maps[slot])) return slot;
            }
        }
    }

    /// <summary>Index mapping <paramref name="slot"/> under <paramref name="key"/> (not present yet; the mapping may be
    /// written before or after).</summary>
    public void Add(in OutKey key, int slot)
    {
        uint hash = key.Hash;
        int i = (int)hash & _mask;
        while (_slots[i] != 0) i = (i + 1) & _mask;
        _slots[i] = (ulong)hash << 32 | (uint)(slot + 1);
        Count++;
    }

    /// <summary>Remove mapping <paramref name="slot"/>, indexed under <paramref name="key"/>; false when it was not there.</summary>
    public bool Remove(in OutKey key, int slot)
    {
        uint hash = key.Hash;
        int hole = (int)hash & _mask;
        ulong want = (ulong)hash << 32 | (uint)(slot + 1);
        while (_slots[hole] != want)
        {
            if (_slots[hole] == 0) return false;
            hole = (hole + 1) & _mask;
        }
        // Backward shift (Knuth 6.4, algorithm R): move each later slot of the probe run into the hole when its home
        // does not lie cyclically in (hole, j].
        for (int j = hole; ;)
        {
            j = (j + 1) & _mask;
            ulong e = _slots[j];
            if (e == 0) break;
            int home = (int)(e >> 32) & _mask;
            bool stays = hole <= j ? hole < home && home <= j : hole < home || home <= j;
            if (stays) continue;
            _slots[hole] = e;
            hole = j;
        }
        _slots[hole] = 0;
        Count--;
        return true;
    }
}
