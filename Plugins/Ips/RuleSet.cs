namespace Switchboard.Plugins.Ips;

/// <summary>
/// Compiled rules, built once and shared read-only by every core: one Aho-Corasick automaton over the
/// case-sensitive contents and one over the <c>nocase</c> contents; each automaton pattern id maps back to
/// (rule, content index).
/// </summary>
public sealed class RuleSet
{
    /// <summary>The rules, in configuration order.</summary>
    public IpsRule[] Rules { get; }
    /// <summary>Automaton over case-sensitive contents.</summary>
    public AhoCorasick Exact { get; }
    /// <summary>Automaton over nocase contents (ASCII-folded).</summary>
    public AhoCorasick Folded { get; }
    internal readonly (int Rule, int Content)[] ExactOwner, FoldedOwner;

    /// <summary>Compile <paramref name="rules"/>.</summary>
    public RuleSet(IpsRule[] rules)
    {
        Rules = rules;
        var exact = new List<byte[]>();
        var folded = new List<byte[]>();
        var exactOwner = new List<(int, int)>();
        var foldedOwner = new List<(int, int)>();
        for (int r = 0; r < rules.Length; r++)
            for (int k = 0; k < rules[r].Contents.Count; k++)
            {
                var c = rules[r].Contents[k];
                if (c.NoCase) { folded.Add(c.Pattern); foldedOwner.Add((r, k)); }
                else { exact.Add(c.Pattern); exactOwner.Add((r, k)); }
            }
        Exact = new AhoCorasick(exact);
        Folded = new AhoCorasick(folded, foldCase: true);
        ExactOwner = exactOwner.ToArray();
        FoldedOwner = foldedOwner.ToArray();
    }
}
