using System.Numerics;

namespace Switchboard.Plugins.Nat;

/// <summary>
/// One core's share of the ports of one (public address, protocol): which are taken and by which
/// mapping. Allocation scans a bitmap from a rotating cursor, so a released port is reused only after
/// the others have had their turn (a late packet of an old connection rarely meets a new one), and the
/// scan skips 64 taken ports per step. Created on first use, so a large pool costs memory only where used.
/// </summary>
internal sealed class PortBlock
{
    private readonly int _first;
    private readonly int _count;
    private readonly ulong[] _taken;
    private readonly int[] _slot;
    private int _cursor;

    public PortBlock(int first, int count)
    {
        _first = first;
        _count = count;
        _taken = new ulong[(count + 63) / 64];
        _slot = new int[count];
        // Bits past the end are marked taken so the scan never returns them.
        if (count % 64 != 0) _taken[^1] = ~0UL << (count % 64);
    }

    public int Used { get; private set; }
    public int Count => _count;

    /// <summary>The mapping slot holding <paramref name="port"/>, or -1.</summary>
    public int SlotOf(int port)
    {
        uint i = (uint)(port - _first);
        return i < (uint)_count && IsTaken((int)i) ? _slot[i] : -1;
    }

    /// <summary>Take <paramref name="preferred"/> if it is ours and free (port preservation, as iptables does),
    /// else the next free port after the cursor; -1 when every port is taken.</summary>
    public int Allocate(int preferred, int slot)
    {
        if (Used == _count) return -1;
        int i = preferred - _first;
        if ((uint)i >= (uint)_count || IsTaken(i)) i = NextFree();
        _taken[i >> 6] |= 1UL << i;
        _slot[i] = slot;
        Used++;
        return _first + i;
    }

    /// <summary>Take exactly <paramref name="port"/> for <paramref name="slot"/> (state handover); false when it
    /// is outside this block or taken.</summary>
    public bool TryTake(int port, int slot)
    {
        int i = port - _first;
        if ((uint)i >= (uint)_count || IsTaken(i)) return false;
        _taken[i >> 6] |= 1UL << i;
        _slot[i] = slot;
        Used++;
        return true;
    }

    public void Free(int port)
    {
        int i = port - _first;
        if ((uint)i >= (uint)_count || !IsTaken(i)) return;
        _taken[i >> 6] &= ~(1UL << i);
        Used--;
    }

    private bool IsTaken(int i) => (_taken[i >> 6] & (1UL << i)) != 0;

    private int NextFree()
    {
        int words = _taken.Length;
        int w = _cursor >> 6;
        // First word: only bits at or after the cursor; then whole words, wrapping once.
        ulong free = ~_taken[w] & (~0UL << (_cursor & 63));
        for (int step = 0; free == 0; step++)
        {
            w = w + 1 == words ? 0 : w + 1;
            free = ~_taken[w];
            if (step > words) throw new InvalidOperationException("port block full although Used < Count");
        }
        int i = (w << 6) + BitOperations.TrailingZeroCount(free);
        _cursor = i + 1 == _count ? 0 : i + 1;
        return i;
    }
}
