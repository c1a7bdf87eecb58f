using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Switchboard.PolicyCheck.Network;

namespace Switchboard.PolicyCheck.Verification.Encoding;

/// <summary>The addresses of a slice's endpoints (sorted), for deciding cheaply whether a configured address set
/// holds any of them.</summary>
internal sealed class SliceAddresses
{
    private readonly ulong[] _values;

    public SliceAddresses(IEnumerable<Ipv4Address> addresses) =>
        _values = addresses.Select(a => (ulong)a.Value).Distinct().Order().ToArray();

    public IReadOnlyList<ulong> Values => _values;

    /// <summary>Some slice address lies in one of the set's ranges.</summary>
    public bool Touches(AddressSym set)
    {
        var ranges = set.Ranges;
        for (int r = 0; r < ranges.Count; r++)
        {
            var (lo, hi) = ranges[r];
            int i = Array.BinarySearch(_values, lo);
            if (i < 0) i = ~i;
            if (i < _values.Length && _values[i] < hi) return true;
        }
        return false;
    }
}

/// <summary>A configured list of [from, to] address-set pairs, parsed once per network and NF, indexed by the text of
/// the from side so that the pairs touching a slice are found without scanning the whole list.</summary>
internal sealed class PairTable
{
    private static readonly ConditionalWeakTable<NetworkDescription, ConcurrentDictionary<string, PairTable>> Cache = new();
    private readonly List<(AddressSym From, AddressSym To)> _pairs;
    private readonly List<(AddressSym Set, List<int> Pairs)> _byFrom = [];

    private PairTable(List<(AddressSym From, AddressSym To)> pairs)
    {
        _pairs = pairs;
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < pairs.Count; i++)
        {
            var from = pairs[i].From;
            var key = from.Text + "\u0001" + string.Join(",", from.Ranges);
            if (!index.TryGetValue(key, out var k))
            {
                index[key] = k = _byFrom.Count;
                _byFrom.Add((from, []));
            }
            _byFrom[k].Pairs.Add(i);
        }
    }

    /// <summary>The pairs of the list at <paramref name="key"/> (unique per network and NF), parsed on first use.</summary>
    public static PairTable For(NetworkDescription network, string key, Func<List<(AddressSym, AddressSym)>> parse) =>
        Cache.GetOrCreateValue(network).GetOrAdd(key, _ => new PairTable(parse()));

    public IReadOnlyList<(AddressSym From, AddressSym To)> Pairs => _pairs;

    /// <summary>The pairs whose both sides hold a slice address, in list order.</summary>
    public IReadOnlyList<(AddressSym From, AddressSym To)> Relevant(SliceAddresses slice)
    {
        var hits = new List<int>();
        foreach (var (set, pairs) in _byFrom)
        {
            if (!slice.Touches(set)) continue;
            foreach (var i in pairs)
                if (slice.Touches(_pairs[i].To)) hits.Add(i);
        }
        hits.Sort();
        return hits.Select(i => _pairs[i]).ToList();
    }
}
