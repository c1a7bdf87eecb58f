using System.Runtime.CompilerServices;
using Switchboard.Sdk;
using Switchboard.Sdk.State;

namespace Switchboard.Plugins.Maglev;

/// <summary>
/// One core's connection-tracking table (Maglev §3.3): flow -> backend, so a flow keeps its backend when
/// the lookup table changes. Bounded: when full, new flows are not tracked (counted) and are routed by the
/// lookup table alone, which consistent hashing keeps mostly stable, as in the paper. Entries idle longer
/// than the timeout are removed by <see cref="Sweep"/> (timeouts count sweep periods). A pre-sized
/// <see cref="FlowTable{TValue}"/>, so tracking a flow never allocates.
/// </summary>
public sealed class ConnectionCache
{
    private struct Entry
    {
        public int Backend;
        public uint LastSeen;
    }

    private readonly FlowTable<Entry> _flows;
    private readonly uint _timeout;

    public ConnectionCache(int capacity, int timeoutSeconds, double sweepSeconds)
    {
        _flows = new FlowTable<Entry>(capacity);
        _timeout = (uint)Math.Max(1, Math.Ceiling(timeoutSeconds / sweepSeconds));
    }

    public int Count => _flows.Count;
    public long Hits, Misses, Untracked, Expired;
    public uint Epoch { get; private set; }

    /// <summary>The flow's remembered backend (refreshing it); for a new flow, the lookup table's entry for its
    /// <see cref="FlowKey.Hash"/> (<see cref="Position"/>), remembered if there is room. -1 when the table has no
    /// backend. The cache itself is keyed by <see cref="FlowKey.TableHash"/> (<paramref name="slotHash"/>, e.g. from
    /// <see cref="FlowKey.TryGet(Packet, out FlowKey, out uint)"/>), so a known flow costs one short hash
    /// and the full 5-tuple hash is computed only for new flows (as the C twin does); the published lookup table is
    /// read only for them too.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Resolve(in FlowKey key, uint slotHash, BoundedConsistencyArray<int> table)
    {
        ref var e = ref _flows.GetOrAdd(key, slotHash, out bool added);
        if (!added && !Unsafe.IsNullRef(ref e))
        {
            Hits++;
            // Refresh only when it changes: an entry stored to on every packet is a dirty cache line to write back.
            if (e.LastSeen != Epoch) e.LastSeen = Epoch;
            return e.Backend;
        }
        return Miss(key, slotHash, table.Published, ref e);
    }

    /// <summary>The lookup-table position of a flow: a multiply-shift of its remixed <see cref="FlowKey.Hash"/>
    /// (independent of the shuffle's <c>hash % cores</c>).</summary>
    public static int Position(in FlowKey key, int tableLength) =>
        (int)(((ulong)(key.Hash() * 0x9E3779B1u) * (uint)tableLength) >> 32);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int Miss(in FlowKey key, uint slotHash, ReadOnlySpan<int> table, ref Entry e)
    {
        Misses++;
        int backend = table[Position(key, table.Length)];
        if (Unsafe.IsNullRef(ref e))
        {
            if (backend >= 0) Untracked++;
            return backend;
        }
        if (backend < 0)
        {
            _flows.Remove(key, slotHash);
            return backend;
        }
        e.Backend = backend;
        e.LastSeen = Epoch;
        return backend;
    }

    /// <summary>Advance one sweep period and forget idle flows.</summary>
    public void Sweep()
    {
        var idle = new Idle(++Epoch, _timeout);
        Expired += _flows.RemoveWhere(ref idle);
    }

    private readonly struct Idle(uint now, uint timeout) : IFlowPredicate<Entry>
    {
        public bool Matches(in FlowKey key, ref Entry e) => now - e.LastSeen >= timeout;
    }
}
