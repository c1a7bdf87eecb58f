using Switchboard.PolicyCheck.Network;

namespace Switchboard.PolicyCheck.Verification;

/// <summary>
/// Groups invariants that are symmetric (4.3.3): one is the other with hosts swapped inside their policy equivalence
/// classes. Such a swap maps the network onto itself (<see cref="PolicyClasses"/>), so it maps one invariant's slice
/// onto the other's (isomorphic, NF types and configurations equal) and the verdicts agree: one per group is verified.
/// Endpoints that are NFs or groups must be the same in both; hosts must be in the same class and the pattern of
/// equal endpoints must match (from = to in one iff in the other).
/// </summary>
public static class Symmetry
{
    /// <summary>Invariants grouped by symmetry, each group in file order (its first is the representative).</summary>
    public static IReadOnlyList<IReadOnlyList<InvariantSpec>> Group(IReadOnlyList<InvariantSpec> invariants, PolicyClasses classes)
    {
        var groups = new Dictionary<string, List<InvariantSpec>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var inv in invariants)
        {
            var key = Key(inv, classes);
            if (!groups.TryGetValue(key, out var list))
            {
                groups[key] = list = [];
                order.Add(key);
            }
            list.Add(inv);
        }
        return order.Select(k => (IReadOnlyList<InvariantSpec>)groups[k]).ToList();
    }

    private static string Key(InvariantSpec inv, PolicyClasses classes)
    {
        string Endpoint(string name) => classes.ClassOf(name) is var c and >= 0 ? $"class{c}" : $"node:{name}";
        return string.Join("\u0001", inv.Kind, Endpoint(inv.From), Endpoint(inv.To), inv.From == inv.To ? "same" : "distinct",
            string.Join(",", inv.Through), string.Join(">", inv.Stages.Select(s => string.Join(",", s))), inv.UnderFailures ? "failures" : "steady");
    }
}
