namespace Switchboard.PolicyCheck.Network;

/// <summary>
/// A conjunction of failure literals (these nodes are down, those up) within the failure model: conditions that
/// contradict themselves, fail a node that cannot fail, or fail more nodes than allowed do not exist (null).
/// </summary>
public sealed class FailureCondition
{
    private readonly SortedSet<string> _down, _up;

    private FailureCondition(SortedSet<string> down, SortedSet<string> up)
    {
        _down = down;
        _up = up;
    }

    /// <summary>True in every scenario.</summary>
    public static FailureCondition Always { get; } = new(new SortedSet<string>(StringComparer.Ordinal), new SortedSet<string>(StringComparer.Ordinal));

    public IReadOnlySet<string> Down => _down;
    public IReadOnlySet<string> Up => _up;
    public bool IsAlways => _down.Count == 0 && _up.Count == 0;

    /// <summary>This condition and "<paramref name="node"/> is down" (or up); null when no allowed scenario satisfies both.
    /// Literals on nodes that cannot fail simplify away (up) or make the condition impossible (down).</summary>
    public FailureCondition? With(string node, bool down, FailureModel model)
    {
        bool failable = model.Nodes.Contains(node);
        if (!failable) return down ? null : this;
        if ((down ? _down : _up).Contains(node)) return this;
        if ((down ? _up : _down).Contains(node)) return null;
        if (down && _down.Count + 1 > model.MaxFailures) return null;
        var d = new SortedSet<string>(_down, StringComparer.Ordinal);
        var u = new SortedSet<string>(_up, StringComparer.Ordinal);
        (down ? d : u).Add(node);
        return new FailureCondition(d, u);
    }

    /// <summary>Both conditions; null when they contradict.</summary>
    public FailureCondition? And(FailureCondition other, FailureModel model)
    {
        FailureCondition? c = this;
        foreach (var n in other._down) if ((c = c?.With(n, true, model)) is null) return null;
        foreach (var n in other._up) if ((c = c?.With(n, false, model)) is null) return null;
        return c;
    }

    /// <summary>Whether the condition holds when exactly <paramref name="failed"/> are down.</summary>
    public bool Holds(IReadOnlySet<string> failed) => _down.All(failed.Contains) && !_up.Any(failed.Contains);

    public override string ToString()
    {
        if (IsAlways) return "always";
        var parts = _down.Select(n => $"{n} down").Concat(_up.Select(n => $"{n} up"));
        return string.Join(", ", parts);
    }
}
