using System.Runtime.InteropServices;
using Switchboard.Sdk;

namespace Switchboard.Plugins.Maglev;

/// <summary>
/// One core's connection-tracking table (Maglev §3.3): flow -> backend, so a flow keeps its backend when
/// the lookup table changes. Bounded: when full, new flows are not tracked (counted) and are routed by the
/// lookup table alone, which consistent hashing keeps mostly stable, as in the paper. Entries idle longer
/// than the timeout are removed by <see cref="Sweep"/> (timeouts count sweep periods). Pre-sized, so
/// tracking a flow never allocates.
/// </summary>
public sealed class ConnectionCache
{
    private struct Entry
    {
        public int Backend;
        public uint LastSeen;
    }

    private readonly Dictionary<FlowKey, Entry> _flows;
    private readonly int _capacity;
    private readonly uint _timeout;

    public ConnectionCache(int capacity, int timeoutSeconds, double sweepSeconds)
    {
        _capacity = capacity;
        _flows = new Dictionary<FlowKey, Entry>(capacity + 1);
        _timeout = (uint)Math.Max(1, Math.Ceiling(timeoutSeconds / sweepSeconds));
    }

    public int Count => _flows.Count;
    public long Hits, Misses, Untracked, Expired;
    public uint Epoch { get; private set; }

    /// <summary>The flow's remembered backend (refreshing it); for a new flow, <c>table[position]</c>, remembered
    /// if there is room. -1 when the table has no backend.</summary>
    public int Resolve(in FlowKey key, ReadOnlySpan<int> table, int position)
    {
        ref var e = ref CollectionsMarshal.GetValueRefOrAddDefault(_flows, key, out bool known);
        if (known)
        {
            Hits++;
            e.LastSeen = Epoch;
            return e.Backend;
        }
        Misses++;
        int backend = table[position];
        if (backend < 0 || _flows.Count > _capacity)
        {
            _flows.Remove(key);
            if (backend >= 0) Untracked++;
            return backend;
        }
        e.Backend = backend;
        e.LastSeen = Epoch;
        return backend;
    }

    /// <summary>Advance one sweep period and forget idle flows.</summary>
    public void Sweep()
    {
        uint now = ++Epoch;
        foreach (var (key, e) in _flows)
            if (now - e.LastSeen >= _timeout)
            {
                _flows.Remove(key); // allowed while enumerating a Dictionary
                Expired++;
            }
    }
}
