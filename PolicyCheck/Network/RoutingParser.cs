using System.Text.Json;
using Switchboard.PolicyCheck.Network.Json;

namespace Switchboard.PolicyCheck.Network;

/// <summary>
/// Validates <c>$.routing</c>: per node (key: a node name or a range such as <c>web{1..50}</c>) an ordered list of
/// rules <c>{"dst", "nextHop", "whenDown", "whenUp"}</c>. <c>dst</c> is one selector or a list of them:
/// <c>*</c>, a policy group, a node (its addresses; ranges such as <c>web{1..3}</c> allowed), a prefix <c>10.0.1.0/24</c> or an address.
/// </summary>
internal static class RoutingParser
{
    public static Dictionary<string, IReadOnlyList<RouteRule>> Parse(ObjectView? obj, List<NetworkNode> nodes, List<PolicyGroup> groups,
        NameTable names, FailureModel failures, Diagnostics diag)
    {
        var routing = new Dictionary<string, IReadOnlyList<RouteRule>>(StringComparer.Ordinal);
        if (obj is null) return routing;
        var universe = nodes.SelectMany(n => n.Addresses).ToList();
        var byName = nodes.ToDictionary(n => n.Name, StringComparer.Ordinal);
        var failable = failures.Nodes.ToHashSet(StringComparer.Ordinal);
        var firstKey = new Dictionary<string, string>(StringComparer.Ordinal);

        foreach (var p in obj.Properties())
        {
            var keyPath = obj.ChildPath(p.Name);
            var owners = NameRange.Expand(p.Name, out var error);
            if (owners is null)
            {
                diag.Error(keyPath, error!);
                continue;
            }
            if (p.Value.ValueKind != JsonValueKind.Array)
            {
                diag.Error(keyPath, $"expected an array of rules, got {ObjectView.Describe(p.Value)}");
                continue;
            }
            var valid = new List<string>();
            foreach (var owner in owners)
            {
                if (!names.CheckNode(owner, keyPath)) continue;
                if (firstKey.TryGetValue(owner, out var other))
                    diag.Error(keyPath, $"routes of '{owner}' are already given by {other}; give each node's rules once");
                else
                {
                    firstKey[owner] = keyPath;
                    valid.Add(owner);
                }
            }
            // Parse the rules once per owner: only a rule's next hop being the owner itself differs.
            int index = 0;
            var rules = new Dictionary<string, List<RouteRule>>(StringComparer.Ordinal);
            foreach (var owner in valid) rules[owner] = [];
            foreach (var element in p.Value.EnumerateArray())
            {
                var path = JsonPath.Index(keyPath, index++);
                var rule = ParseRule(element, path, universe, groups, byName, names, failable, diag);
                if (rule is null) continue;
                foreach (var owner in valid)
                {
                    if (rule.NextHop == owner) diag.Error(JsonPath.Key(path, "nextHop"), $"'{owner}' cannot be its own next hop");
                    else rules[owner].Add(rule);
                }
            }
            foreach (var (owner, list) in rules) routing[owner] = list;
        }
        return routing;
    }

    private static RouteRule? ParseRule(JsonElement element, string path, List<Ipv4Address> universe, List<PolicyGroup> groups,
        Dictionary<string, NetworkNode> byName, NameTable names, HashSet<string> failable, Diagnostics diag)
    {
        var r = ObjectView.From(element, path, diag);
        if (r is null) return null;
        r.RejectUnknownKeys("dst", "nextHop", "whenDown", "whenUp");
        int before = diag.Count;

        var selectors = new List<(string Text, string Path)>();
        if (!r.TryGet("dst", out var dst)) diag.Error(r.ChildPath("dst"), "required key is missing", at: path);
        else if (dst.ValueKind == JsonValueKind.String) selectors.Add((dst.GetString()!, r.ChildPath("dst")));
        else if (dst.ValueKind == JsonValueKind.Array) selectors.AddRange(r.Strings("dst") ?? []);
        else diag.Error(r.ChildPath("dst"), $"expected a destination or a list of them, got {ObjectView.Describe(dst)}");
        var destinations = new HashSet<Ipv4Address>();
        foreach (var (selector, selectorPath) in selectors)
        {
            var expanded = NameRange.Expand(selector, out var rangeError);
            if (expanded is null) diag.Error(selectorPath, rangeError!);
            foreach (var one in expanded ?? [])
                destinations.UnionWith(Resolve(one, selectorPath, universe, groups, byName, diag));
        }

        var nextHop = r.String("nextHop", required: true);
        if (nextHop is not null) names.CheckNode(nextHop, r.ChildPath("nextHop"));

        var whenDown = Guard(r, "whenDown", names, diag);
        foreach (var (name, guardPath) in whenDown)
            if (names.IsNode(name) && !failable.Contains(name))
                diag.Error(guardPath, $"'{name}' is not in failures.nodes, so it never fails and this rule never applies");
        var whenUp = Guard(r, "whenUp", names, diag);
        foreach (var (name, guardPath) in whenUp)
            if (whenDown.Any(d => d.Name == name)) diag.Error(guardPath, $"'{name}' cannot be both down and up");

        if (diag.Count > before || nextHop is null) return null;
        var text = selectors.Count == 1 ? selectors[0].Text : "[" + string.Join(", ", selectors.Select(s => s.Text)) + "]";
        return new RouteRule(destinations, text, nextHop, whenDown.Select(g => g.Name).ToList(), whenUp.Select(g => g.Name).ToList(), path);
    }

    private static List<(string Name, string Path)> Guard(ObjectView r, string key, NameTable names, Diagnostics diag)
    {
        var list = new List<(string, string)>();
        foreach (var (name, path) in r.Strings(key) ?? [])
            if (names.CheckNode(name, path)) list.Add((name, path));
        return list;
    }

    private static IEnumerable<Ipv4Address> Resolve(string text, string path, List<Ipv4Address> universe, List<PolicyGroup> groups,
        Dictionary<string, NetworkNode> byName, Diagnostics diag)
    {
        if (text == "*") return universe;
        if (groups.FirstOrDefault(g => g.Name == text) is { } group)
            return universe.Where(a => group.Prefixes.Any(p => p.Contains(a)));
        if (byName.TryGetValue(text, out var node))
        {
            if (node.Addresses.Count == 0) diag.Error(path, $"'{text}' is a {node.Kind.ToString().ToLowerInvariant()} with no addresses; route to hosts, groups, NF addresses or prefixes");
            return node.Addresses;
        }
        if (text.Contains('/'))
        {
            if (Ipv4Prefix.Problem(text, out var prefix) is { } problem)
            {
                diag.Error(path, problem);
                return [];
            }
            return universe.Where(prefix.Contains);
        }
        if (Ipv4Address.TryParse(text, out var address))
        {
            if (!universe.Contains(address)) diag.Error(path, $"no node uses address {address}");
            return [address];
        }
        var candidates = groups.Select(g => g.Name).Concat(byName.Keys);
        diag.Error(path, $"'{text}' is not '*', a policy group, a node, a prefix or an address{NearestName.Hint(text, candidates)}");
        return [];
    }
}
