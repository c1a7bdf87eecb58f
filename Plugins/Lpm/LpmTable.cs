using Switchboard.Sdk.State;

namespace Switchboard.Plugins.Lpm;

/// <summary>An IPv4 route: prefix (host order) / length -> next hop.</summary>
public readonly record struct Route(uint Prefix, int Length, int NextHop)
{
    public override string ToString() => $"{Switchboard.Sdk.Ipv4.Format(Prefix)}/{Length} -> {NextHop}";
}

/// <summary>
/// A DIR-24-8 routing table that a control-plane thread updates while pipeline cores read it.
/// The writer keeps the route set, a working <see cref="Dir248Fib"/> (copy-on-write chunks) and
/// each entry's prefix length (writer-private, to know which entries a route owns); readers take
/// the published snapshot from a <see cref="BoundedConsistencyValue{T}"/>, which lags by at most
/// <see cref="Bound"/> route changes (0: every change is visible at once). Updates follow DPDK's
/// rte_lpm: adding /len overwrites entries owned by prefixes no longer than len; removing it hands
/// its entries to the next-longest covering route; a tbl8 group whose entries all come from
/// prefixes of /24 or shorter folds back into its tbl24 entry and is reused.
/// </summary>
public sealed class LpmTable
{
    private readonly Dictionary<(uint Prefix, int Length), int> _routes = [];
    private readonly BoundedConsistencyValue<Dir248Fib> _published;
    private readonly Lock _gate = new();
    private readonly ushort[][] _tbl24, _tbl8;
    private readonly bool[] _tbl24Owned, _tbl8Owned;   // chunk is private to the writer (not in any snapshot)
    private readonly byte[]?[] _depth24, _depth8;       // prefix length that set each entry
    private readonly Stack<int> _freeGroups = new();
    private int _nextGroup;
    private int _pending;

    /// <summary>Build the table with <paramref name="routes"/> (later entries for the same prefix win) and publish it.</summary>
    /// <param name="bound">Route changes readers may miss before a snapshot is published (0 = publish each).</param>
    /// <param name="writer">The thread allowed to change routes: <see cref="StateWriter.ControlPlane"/> or a core id.</param>
    public LpmTable(IEnumerable<Route> routes, int bound = 0, int writer = StateWriter.ControlPlane)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bound);
        Bound = bound;
        var empty = Dir248Fib.Empty();
        _tbl24 = empty.Tbl24;
        _tbl8 = empty.Tbl8;
        _tbl24Owned = new bool[_tbl24.Length];
        _tbl8Owned = new bool[_tbl8.Length];
        _depth24 = new byte[_tbl24.Length][];
        _depth8 = new byte[_tbl8.Length][];
        foreach (var r in routes) Apply(r);
        _published = new BoundedConsistencyValue<Dir248Fib>(Snapshot(), 0, writer);
    }

    /// <summary>Route changes readers may miss.</summary>
    public int Bound { get; }
    /// <summary>Routes in the table (the writer's view).</summary>
    public int Count { get { lock (_gate) return _routes.Count; } }
    /// <summary>tbl8 groups in use.</summary>
    public int GroupsInUse { get { lock (_gate) return _nextGroup - _freeGroups.Count; } }

    /// <summary>The published forwarding table: what pipeline cores read (one volatile load).</summary>
    public Dir248Fib Fib => _published.Value;

    /// <summary>Longest-prefix match in the published table: next hop, or -1.</summary>
    public int Lookup(uint address) => _published.Value.Lookup(address);

    /// <summary>All routes (the writer's view), sorted by prefix then length.</summary>
    public IReadOnlyList<Route> Routes
    {
        get { lock (_gate) return _routes.Select(kv => new Route(kv.Key.Prefix, kv.Key.Length, kv.Value)).OrderBy(r => r.Prefix).ThenBy(r => r.Length).ToList(); }
    }

    /// <summary>Add or replace a route (writer only). Throws <see cref="ArgumentException"/> for a bad
    /// prefix or next hop, <see cref="InvalidOperationException"/> when tbl8 groups run out.</summary>
    public void Add(Route route)
    {
        Validate(route);
        lock (_gate)
        {
            _published.Flush(); // the writer check: throws on any thread but the writer
            Apply(route);
            Updated();
        }
    }

    /// <summary>Remove a route (writer only); false when it was not in the table.</summary>
    public bool Remove(uint prefix, int length)
    {
        lock (_gate)
        {
            _published.Flush();
            if (!_routes.Remove((prefix, length))) return false;
            // The entries it owned go to the next-longest route covering it.
            int parentValue = 0, parentDepth = 0;
            for (int l = length - 1; l >= 0; l--)
                if (_routes.TryGetValue((prefix & Mask(l), l), out int hop)) { parentValue = hop + 1; parentDepth = l; break; }
            Paint(prefix, length, parentValue, parentDepth, owned: length);
            Updated();
            return true;
        }
    }

    /// <summary>Publish pending changes now (writer only).</summary>
    public void Flush()
    {
        lock (_gate)
        {
            _published.Flush();
            if (_pending > 0) Publish();
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless the route is a valid prefix (no host bits) and next hop.</summary>
    public static void Validate(Route r)
    {
        if (r.Length is < 0 or > 32) throw new ArgumentException($"prefix length {r.Length} is outside 0-32");
        if ((r.Prefix & ~Mask(r.Length)) != 0)
            throw new ArgumentException($"host bits are set in {Switchboard.Sdk.Ipv4.Format(r.Prefix)}/{r.Length}; did you mean {Switchboard.Sdk.Ipv4.Format(r.Prefix & Mask(r.Length))}/{r.Length}?");
        if (r.NextHop is < 0 or > Dir248Fib.MaxNextHop) throw new ArgumentException($"next hop {r.NextHop} is outside 0-{Dir248Fib.MaxNextHop}");
    }

    private static uint Mask(int length) => length == 0 ? 0 : uint.MaxValue << (32 - length);

    private void Apply(Route r)
    {
        Validate(r);
        if (r.Length > 24 && !IsExtended(r.Prefix >> 8) && _freeGroups.Count == 0 && _nextGroup == Dir248Fib.MaxGroups)
            throw new InvalidOperationException($"no free tbl8 group for {r} (all {Dir248Fib.MaxGroups} in use)");
        _routes[(r.Prefix, r.Length)] = r.NextHop;
        Paint(r.Prefix, r.Length, r.NextHop + 1, r.Length, owned: -1);
    }

    /// <summary>
    /// Set the entries under prefix/length to (value, depth): with <paramref name="owned"/> = -1 those
    /// set by prefixes no longer than <paramref name="length"/> (an add), else those set by exactly
    /// <paramref name="owned"/> (a removal handing entries to the parent).
    /// </summary>
    private void Paint(uint prefix, int length, int value, int depth, int owned)
    {
        // Add (owned < 0): take entries set by prefixes no longer than length; removal: those set by exactly owned.
        int lo = owned < 0 ? 0 : owned, hi = owned < 0 ? length : owned;
        if (length <= 24)
        {
            int first = (int)(prefix >> 8), end = first + (1 << (24 - length));
            for (int i = first; i < end;)
            {
                // One chunk at a time: its arrays are read directly; writes go through Set24 (copy-on-write).
                int c = i >> Dir248Fib.ChunkBits, chunkEnd = Math.Min(end, (c + 1) << Dir248Fib.ChunkBits);
                var t = OwnChunk24(c);
                var d = _depth24[c]!;
                for (; i < chunkEnd; i++)
                {
                    int k = i & Dir248Fib.ChunkMask;
                    int e = t[k];
                    if ((e & Dir248Fib.Extended) != 0)
                    {
                        int g = e & 0x7FFF;
                        for (int j = 0; j < 256; j++)
                        {
                            int d8 = Depth8(g, j);
                            if (d8 >= lo && d8 <= hi) Set8(g, j, value, depth);
                        }
                        if (owned >= 0) TryFold(i, g);
                        continue;
                    }
                    int d24 = d[k];
                    if (d24 >= lo && d24 <= hi)
                    {
                        t[k] = (ushort)value;
                        d[k] = (byte)depth;
                    }
                }
            }
        }
        else
        {
            int i = (int)(prefix >> 8);
            int g = owned < 0 ? EnsureGroup(i) : _tbl24[i >> Dir248Fib.ChunkBits][i & Dir248Fib.ChunkMask] & 0x7FFF;
            int first = (int)(prefix & 0xFF), count = 1 << (32 - length);
            for (int j = first; j < first + count; j++)
            {
                int d8 = Depth8(g, j);
                if (d8 >= lo && d8 <= hi) Set8(g, j, value, depth);
            }
            if (owned >= 0) TryFold(i, g);
        }
    }

    private bool IsExtended(uint slot) => (_tbl24[slot >> Dir248Fib.ChunkBits][slot & Dir248Fib.ChunkMask] & Dir248Fib.Extended) != 0;

    /// <summary>The tbl8 group of tbl24 slot <paramref name="i"/>, created (filled with the slot's entry) if needed.</summary>
    private int EnsureGroup(int i)
    {
        int e = _tbl24[i >> Dir248Fib.ChunkBits][i & Dir248Fib.ChunkMask];
        if ((e & Dir248Fib.Extended) != 0) return e & 0x7FFF;
        int g = _freeGroups.Count > 0 ? _freeGroups.Pop() : _nextGroup++;
        byte d = Depth24(i);
        for (int j = 0; j < 256; j++) Set8(g, j, e, d);
        Set24(i, Dir248Fib.Extended | g, d);
        return g;
    }

    /// <summary>Fold a group back into its tbl24 slot when no entry in it comes from a prefix longer than /24.</summary>
    private void TryFold(int i, int g)
    {
        for (int j = 0; j < 256; j++)
            if (Depth8(g, j) > 24) return;
        // All entries then come from the one route covering the whole /24 (or none): identical.
        int c = g >> Dir248Fib.GroupsPerChunkBits, off = (g << 8) & Dir248Fib.ChunkMask;
        Set24(i, _tbl8[c][off], Depth8(g, 0));
        _freeGroups.Push(g);
    }

    private byte Depth24(int i) => _depth24[i >> Dir248Fib.ChunkBits] is { } d ? d[i & Dir248Fib.ChunkMask] : (byte)0;
    private byte Depth8(int g, int j) => _depth8[g >> Dir248Fib.GroupsPerChunkBits] is { } d ? d[((g << 8) & Dir248Fib.ChunkMask) | j] : (byte)0;

    private void Set24(int i, int value, int depth)
    {
        int c = i >> Dir248Fib.ChunkBits;
        OwnChunk24(c)[i & Dir248Fib.ChunkMask] = (ushort)value;
        _depth24[c]![i & Dir248Fib.ChunkMask] = (byte)depth;
    }

    /// <summary>tbl24 chunk <paramref name="c"/>, copied first if a snapshot shares it; its depth chunk exists after.</summary>
    private ushort[] OwnChunk24(int c)
    {
        if (!_tbl24Owned[c]) { _tbl24[c] = (ushort[])_tbl24[c].Clone(); _tbl24Owned[c] = true; }
        _depth24[c] ??= new byte[Dir248Fib.ChunkSize];
        return _tbl24[c];
    }

    private void Set8(int g, int j, int value, int depth)
    {
        int c = g >> Dir248Fib.GroupsPerChunkBits, k = ((g << 8) & Dir248Fib.ChunkMask) | j;
        if (!_tbl8Owned[c]) { _tbl8[c] = (ushort[])_tbl8[c].Clone(); _tbl8Owned[c] = true; }
        _tbl8[c][k] = (ushort)value;
        (_depth8[c] ??= new byte[Dir248Fib.ChunkSize])[k] = (byte)depth;
    }

    private void Updated()
    {
        if (++_pending > Bound) Publish();
    }

    private void Publish()
    {
        _published.Set(Snapshot());
        _pending = 0;
    }

    /// <summary>A snapshot sharing the current chunks; the writer copies a chunk before its next write to it.</summary>
    private Dir248Fib Snapshot()
    {
        Array.Fill(_tbl24Owned, false);
        Array.Fill(_tbl8Owned, false);
        return new Dir248Fib((ushort[][])_tbl24.Clone(), (ushort[][])_tbl8.Clone());
    }
}
