using System.Numerics;

namespace Switchboard.Plugins.Firewall;

/// <summary>
/// The compiled classifier: aggregated bit vectors (Lakshman and Stiliadis' bit-vector scheme with
/// Baboescu and Varghese's aggregation, SIGCOMM 1998/2001). Per field, the value space is cut into
/// elementary intervals at every rule boundary; each interval holds a bit vector of the rules whose
/// ranges cover it (bit i = rule i) and a summary vector with one bit per 64-rule word. A lookup finds
/// each field's interval (binary search for addresses, a direct table for the small fields), ANDs the
/// summaries to find the words where every field has some rule, and ANDs only those words; the lowest
/// set bit is the first matching rule. Cost: a few binary searches plus N/4096 summary words, and one
/// AND per field for each candidate word; the summaries keep the scan near-constant in practice.
/// Immutable once built, so one instance serves every core.
/// </summary>
public sealed class BitVectorClassifier : IRuleClassifier
{
    private readonly int _words, _summaryWords;
    private readonly AddressField _source, _destination;
    private readonly SmallField _sourcePort, _destinationPort, _protocol, _inputPort, _state;

    public BitVectorClassifier(IReadOnlyList<FirewallRule> rules)
    {
        RuleCount = rules.Count;
        _words = Math.Max(1, (rules.Count + 63) / 64);
        _summaryWords = (_words + 63) / 64;
        _source = new AddressField(Build(rules, RuleField.Source));
        _destination = new AddressField(Build(rules, RuleField.Destination));
        _sourcePort = new SmallField(Build(rules, RuleField.SourcePort));
        _destinationPort = new SmallField(Build(rules, RuleField.DestinationPort));
        _protocol = new SmallField(Build(rules, RuleField.Protocol));
        _inputPort = new SmallField(Build(rules, RuleField.InputPort));
        _state = new SmallField(Build(rules, RuleField.State));
    }

    public int RuleCount { get; }

    /// <summary>Bytes held by the bit vectors and interval tables.</summary>
    public long MemoryBytes => _source.Bytes + _destination.Bytes + _sourcePort.Bytes + _destinationPort.Bytes
        + _protocol.Bytes + _inputPort.Bytes + _state.Bytes;

    public int Classify(in PacketFields p)
    {
        int w = _words, s = _summaryWords;
        int a = _source.Find(p.Source), b = _destination.Find(p.Destination);
        int c = _sourcePort.Find(p.SourcePort), d = _destinationPort.Find(p.DestinationPort);
        int e = _protocol.Find(p.Protocol), f = _inputPort.Find(Math.Min(p.InputPort, 65535)), g = _state.Find((int)p.State);
        ulong[] va = _source.Vectors, vb = _destination.Vectors, vc = _sourcePort.Vectors, vd = _destinationPort.Vectors,
            ve = _protocol.Vectors, vf = _inputPort.Vectors, vg = _state.Vectors;
        ulong[] sa = _source.Summaries, sb = _destination.Summaries, sc = _sourcePort.Summaries, sd = _destinationPort.Summaries,
            se = _protocol.Summaries, sf = _inputPort.Summaries, sg = _state.Summaries;
        for (int k = 0; k < s; k++)
        {
            ulong summary = sa[a * s + k] & sb[b * s + k] & sc[c * s + k] & sd[d * s + k] & se[e * s + k] & sf[f * s + k] & sg[g * s + k];
            while (summary != 0)
            {
                int word = k * 64 + BitOperations.TrailingZeroCount(summary);
                ulong bits = va[a * w + word] & vb[b * w + word] & vc[c * w + word] & vd[d * w + word]
                    & ve[e * w + word] & vf[f * w + word] & vg[g * w + word];
                if (bits != 0) return word * 64 + BitOperations.TrailingZeroCount(bits);
                summary &= summary - 1;
            }
        }
        return -1;
    }

    /// <summary>One field's elementary intervals (by start) and the rule bit vectors of each.</summary>
    private sealed record FieldTable(UInt128[] Starts, ulong[] Vectors, ulong[] Summaries);

    private FieldTable Build(IReadOnlyList<FirewallRule> rules, RuleField field)
    {
        var max = FirewallRule.MaxOf(field);
        // Interval starts: 0, every range's low end, and the value after every range's high end.
        var points = new SortedSet<UInt128> { UInt128.Zero };
        foreach (var rule in rules)
            foreach (var r in rule.Ranges(field))
            {
                points.Add(r.Low);
                if (r.High < max) points.Add(r.High + 1);
            }
        var starts = points.ToArray();
        int n = starts.Length;
        // Sweep: a rule's bit turns on at the interval where one of its ranges starts and off after
        // the interval where it ends (a rule's ranges in one field are disjoint, so on/off alternate).
        var on = new List<int>[n];
        var off = new List<int>[n];
        var running = new ulong[_words];
        for (int i = 0; i < rules.Count; i++)
        {
            var ranges = rules[i].Ranges(field);
            if (ranges.Count == 0) { running[i >> 6] |= 1UL << i; continue; } // any value: on everywhere
            foreach (var r in ranges)
            {
                (on[Array.BinarySearch(starts, r.Low)] ??= []).Add(i);
                if (r.High < max) (off[Array.BinarySearch(starts, r.High + 1)] ??= []).Add(i);
            }
        }
        var vectors = new ulong[n * _words];
        var summaries = new ulong[n * _summaryWords];
        for (int k = 0; k < n; k++)
        {
            if (off[k] is { } ends) foreach (int i in ends) running[i >> 6] &= ~(1UL << i);
            if (on[k] is { } begins) foreach (int i in begins) running[i >> 6] |= 1UL << i;
            running.CopyTo(vectors, k * _words);
            for (int word = 0; word < _words; word++)
                if (running[word] != 0) summaries[k * _summaryWords + (word >> 6)] |= 1UL << word;
        }
        return new FieldTable(starts, vectors, summaries);
    }

    /// <summary>A 128-bit field: the interval is found by binary search over the starts. For IPv4
    /// (::ffff:a.b.c.d) a table indexed by a.b narrows the search to the intervals inside that /16.</summary>
    private sealed class AddressField
    {
        private const ulong V4Mapped = 0xFFFF_0000_0000UL;
        private readonly ulong[] _high, _low;
        private readonly int[] _v4First; // for each /16 a.b (and one past the last): interval holding a.b.0.0
        public readonly ulong[] Vectors, Summaries;
        public long Bytes => (_high.Length * 2L + Vectors.Length + Summaries.Length) * 8 + _v4First.Length * 4L;

        public AddressField(FieldTable t)
        {
            _high = t.Starts.Select(x => (ulong)(x >> 64)).ToArray();
            _low = t.Starts.Select(x => (ulong)x).ToArray();
            Vectors = t.Vectors;
            Summaries = t.Summaries;
            _v4First = new int[65537];
            for (int b = 0; b <= 65536; b++)
                _v4First[b] = b < 65536 ? Search(0, V4Mapped | (ulong)b << 16, 0, _high.Length - 1)
                                        : Search(0, V4Mapped + 0x1_0000_0000UL, 0, _high.Length - 1);
        }

        /// <summary>Index of the last start &lt;= v (starts[0] is 0, so there always is one).</summary>
        public int Find(UInt128 v)
        {
            ulong hi = (ulong)(v >> 64), lo = (ulong)v;
            if (hi == 0 && (lo >> 32) == 0xFFFF)
            {
                int b = (int)(lo >> 16) & 0xFFFF;
                return Search(hi, lo, _v4First[b], _v4First[b + 1]);
            }
            return Search(hi, lo, 0, _high.Length - 1);
        }

        /// <summary>Binary search for the last start &lt;= (hi, lo) within [l, r], given starts[l] &lt;= it.</summary>
        private int Search(ulong hi, ulong lo, int l, int r)
        {
            while (l < r)
            {
                int m = (l + r + 1) >> 1;
                if (_high[m] < hi || (_high[m] == hi && _low[m] <= lo)) l = m;
                else r = m - 1;
            }
            return l;
        }
    }

    /// <summary>A field of at most 65537 values: a direct table from value to interval.</summary>
    private sealed class SmallField
    {
        private readonly int[] _intervalOf;
        public readonly ulong[] Vectors, Summaries;
        public long Bytes => _intervalOf.Length * 4L + (Vectors.Length + Summaries.Length) * 8L;

        public SmallField(FieldTable t)
        {
            Vectors = t.Vectors;
            Summaries = t.Summaries;
            int size = (int)(t.Starts.Length == 1 ? 1 : (uint)t.Starts[^1] + 1);
            // Values past the last start share its interval; Find clamps to the table.
            _intervalOf = new int[size];
            for (int k = 0, v = 0; v < size; v++)
            {
                while (k + 1 < t.Starts.Length && (uint)t.Starts[k + 1] <= v) k++;
                _intervalOf[v] = k;
            }
        }

        public int Find(int v) => _intervalOf[Math.Min((uint)v, (uint)_intervalOf.Length - 1)];
    }
}
