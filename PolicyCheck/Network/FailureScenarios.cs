namespace Switchboard.PolicyCheck.Network;

/// <summary>The failure scenarios a <see cref="FailureModel"/> allows, enumerated: every set of at most
/// <see cref="FailureModel.MaxFailures"/> failable nodes (the empty set first).</summary>
public static class FailureScenarios
{
    public static IEnumerable<IReadOnlySet<string>> Enumerate(FailureModel model)
    {
        var nodes = model.Nodes;
        var chosen = new List<string>();
        return Subsets(0);

        IEnumerable<IReadOnlySet<string>> Subsets(int from)
        {
            yield return chosen.ToHashSet(StringComparer.Ordinal);
            if (chosen.Count == model.MaxFailures) yield break;
            for (int i = from; i < nodes.Count; i++)
            {
                chosen.Add(nodes[i]);
                foreach (var s in Subsets(i + 1)) yield return s;
                chosen.RemoveAt(chosen.Count - 1);
            }
        }
    }
}
