namespace Switchboard.PolicyCheck.Network;

/// <summary>Generators for the usual invariant sets: isolation between every ordered pair of policy groups, or of hosts in
/// different groups. Given the pairs the policy allows, allowed pairs expect "violated" (they do reach) and the rest "holds".</summary>
public static class InvariantSets
{
    /// <summary>One invariant <c>kind:from->to</c> per ordered pair of distinct groups.</summary>
    public static IReadOnlyList<InvariantSpec> AcrossGroups(IEnumerable<string> groups, string kind = InvariantKinds.Isolation,
        IReadOnlySet<(string From, string To)>? allow = null, bool underFailures = true, string jsonPath = "$")
    {
        var list = groups.Distinct().ToList();
        var result = new List<InvariantSpec>();
        foreach (var from in list)
        foreach (var to in list)
            if (from != to) result.Add(Make(kind, from, to, allow?.Contains((from, to)), underFailures, jsonPath));
        return result;
    }

    /// <summary>One invariant <c>kind:from->to</c> per ordered pair of hosts in different groups (allow-list by group pair).</summary>
    public static IReadOnlyList<InvariantSpec> AcrossHosts(IEnumerable<NetworkNode> hosts, string kind = InvariantKinds.Isolation,
        IReadOnlySet<(string From, string To)>? allow = null, bool underFailures = true, string jsonPath = "$")
    {
        var list = hosts.Where(h => h.Kind == NodeKind.Host).ToList();
        var result = new List<InvariantSpec>();
        foreach (var from in list)
        foreach (var to in list)
            if (from.Group != to.Group)
                result.Add(Make(kind, from.Name, to.Name, allow?.Contains((from.Group!, to.Group!)), underFailures, jsonPath));
        return result;
    }

    /// <summary>Every ordered pair of groups in <paramref name="network"/>.</summary>
    public static IReadOnlyList<InvariantSpec> AcrossGroups(NetworkDescription network, string kind = InvariantKinds.Isolation,
        IReadOnlySet<(string From, string To)>? allow = null) =>
        AcrossGroups(network.Groups.Select(g => g.Name), kind, allow);

    private static InvariantSpec Make(string kind, string from, string to, bool? allowed, bool underFailures, string path) =>
        new($"{kind}:{from}->{to}", kind, from, to, [], allowed is null ? null : allowed.Value ? "violated" : "holds", underFailures, path);
}
