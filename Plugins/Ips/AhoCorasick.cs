namespace Switchboard.Plugins.Ips;

/// <summary>
/// Aho-Corasick multi-pattern matcher compiled to a dense DFA (256 transitions per state, failure links
/// folded in), so a step is one array load and the state is a single int that can be carried from one
/// window to the next. Immutable after construction: built once and shared by every core.
/// With <c>foldCase</c> patterns and input are ASCII-lowercased.
/// </summary>
public sealed class AhoCorasick
{
    private readonly int[] _next;       // state * 256 + byte -> state
    private readonly int[] _outStart;   // state -> first index into _outputs (outputs include suffix matches)
    private readonly int[] _outputs;    // pattern ids
    private readonly int[] _lengths;    // pattern id -> length
    private readonly bool _fold;

    /// <summary>Lowercase table for ASCII folding.</summary>
    internal static readonly byte[] Lower = BuildLower();

    /// <summary>Compile <paramref name="patterns"/> (pattern id = index; empty patterns never match).</summary>
    public AhoCorasick(IReadOnlyList<byte[]> patterns, bool foldCase = false)
    {
        _fold = foldCase;
        _lengths = patterns.Select(p => p.Length).ToArray();
        var gotoList = new List<int[]> { NewRow() };
        var outs = new List<List<int>> { new() };
        for (int id = 0; id < patterns.Count; id++)
        {
            if (patterns[id].Length == 0) continue;
            int s = 0;
            foreach (byte raw in patterns[id])
            {
                byte b = foldCase ? Lower[raw] : raw;
                if (gotoList[s][b] < 0)
                {
                    gotoList[s][b] = gotoList.Count;
                    gotoList.Add(NewRow());
                    outs.Add(new());
                }
                s = gotoList[s][b];
            }
            outs[s].Add(id);
        }
        int n = gotoList.Count;
        var fail = new int[n];
        _next = new int[n * 256];
        var queue = new Queue<int>();
        for (int b = 0; b < 256; b++)
        {
            int t = gotoList[0][b];
            if (t < 0) _next[b] = 0;
            else { _next[b] = t; fail[t] = 0; queue.Enqueue(t); }
        }
        while (queue.Count > 0)
        {
            int s = queue.Dequeue();
            outs[s].AddRange(outs[fail[s]]); // BFS order: the fail state's list is already complete
            for (int b = 0; b < 256; b++)
            {
                int t = gotoList[s][b];
                if (t < 0) _next[s * 256 + b] = _next[fail[s] * 256 + b];
                else
                {
                    fail[t] = _next[fail[s] * 256 + b];
                    _next[s * 256 + b] = t;
                    queue.Enqueue(t);
                }
            }
        }
        _outStart = new int[n + 1];
        var flat = new List<int>();
        for (int s = 0; s < n; s++)
        {
            _outStart[s] = flat.Count;
            flat.AddRange(outs[s]);
        }
        _outStart[n] = flat.Count;
        _outputs = flat.ToArray();
    }

    /// <summary>States in the DFA.</summary>
    public int StateCount => _outStart.Length - 1;

    /// <summary>The state after reading <paramref name="b"/> in state <paramref name="state"/>.</summary>
    public int Step(int state, byte b) => _next[state * 256 + (_fold ? Lower[b] : b)];

    /// <summary>Pattern ids ending at a state (empty for most states).</summary>
    public ReadOnlySpan<int> Matches(int state) => _outputs.AsSpan(_outStart[state], _outStart[state + 1] - _outStart[state]);

    /// <summary>Length of pattern <paramref name="id"/>.</summary>
    public int PatternLength(int id) => _lengths[id];

    /// <summary>Scan <paramref name="data"/> from <paramref name="state"/>, reporting (pattern id, end index exclusive)
    /// for every occurrence; returns the final state.</summary>
    public int Scan<TSink>(int state, ReadOnlySpan<byte> data, ref TSink sink) where TSink : struct, IMatchSink
    {
        var next = _next;
        for (int i = 0; i < data.Length; i++)
        {
            state = next[state * 256 + (_fold ? Lower[data[i]] : data[i])];
            if (_outStart[state] != _outStart[state + 1])
                foreach (int id in Matches(state)) sink.OnMatch(id, i + 1);
        }
        return state;
    }

    private static int[] NewRow()
    {
        var r = new int[256];
        Array.Fill(r, -1);
        return r;
    }

    private static byte[] BuildLower()
    {
        var t = new byte[256];
        for (int i = 0; i < 256; i++) t[i] = (byte)(i is >= 'A' and <= 'Z' ? i + 32 : i);
        return t;
    }
}

/// <summary>Receives matches from <see cref="AhoCorasick.Scan"/>.</summary>
public interface IMatchSink
{
    /// <summary>Pattern <paramref name="id"/> ends just before index <paramref name="end"/> of the scanned data.</summary>
    void OnMatch(int id, int end);
}
