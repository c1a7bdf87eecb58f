using System.Text.Json;
using Switchboard.PolicyCheck.Network;

namespace Switchboard.PolicyCheck.Verification;

/// <summary>
/// Policy equivalence classes of end hosts (4.3.2): hosts the network cannot tell apart. Two hosts are in one class
/// when they are in the same policy group, have the same routing rules (as written), every routing rule's destination
/// set contains both or neither (rules delivering a host's own address to it excepted), every address set in an NF's
/// configuration (a prefix, group, node or address) contains both or neither, and both or neither may fail. Swapping two hosts of a class
/// (and their addresses) maps the network onto itself, which is what slicing representatives and symmetry rely on.
/// </summary>
public sealed class PolicyClasses
{
    private readonly Dictionary<string, int> _classOf = new(StringComparer.Ordinal);
    private readonly List<List<string>> _members = [];

    public PolicyClasses(NetworkDescription network)
    {
        var sets = ConfigAddressSets(network);
        // Routing rules that single hosts out: every rule's destination set, except a rule delivering a host's own
        // address to that host (every host has one, so it does not break symmetry).
        var ruleSets = new List<IReadOnlySet<Ipv4Address>>();
        var seenRules = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (owner, rules) in network.Routing)
            foreach (var r in rules)
            {
                if (r.Destinations.Count == 1 && network.Owner(r.Destinations.First()) is { } target && target.Name == r.NextHop && target.Kind == NodeKind.Host) continue;
                if (seenRules.Add(r.DestinationText)) ruleSets.Add(r.Destinations);
            }
        var bySignature = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var h in network.Hosts)
        {
            var a = h.Addresses.Count > 0 ? h.Addresses[0] : default;
            var own = network.Routing.TryGetValue(h.Name, out var rules)
                ? string.Join(";", rules.Select(r => $"{r.DestinationText}>{r.NextHop}/{string.Join(",", r.WhenDown)}/{string.Join(",", r.WhenUp)}"))
                : "";
            var inSets = string.Join(",", sets.Select((s, i) => s.Any(r => r.Lo <= a.Value && a.Value < r.Hi) ? i : -1).Where(i => i >= 0));
            var inRules = string.Join(",", ruleSets.Select((s, i) => s.Contains(a) ? i : -1).Where(i => i >= 0));
            var failable = network.Failures.Nodes.Contains(h.Name) ? "failable" : "";
            var signature = $"{h.Group}#{own}#{inSets}#{inRules}#{failable}";
            if (!bySignature.TryGetValue(signature, out var id))
            {
                bySignature[signature] = id = _members.Count;
                _members.Add([]);
            }
            _classOf[h.Name] = id;
            _members[id].Add(h.Name);
        }
    }

    /// <summary>Number of classes.</summary>
    public int Count => _members.Count;

    /// <summary>The hosts of each class, in file order.</summary>
    public IReadOnlyList<IReadOnlyList<string>> Members => _members;

    /// <summary>The class of a host; -1 for other nodes.</summary>
    public int ClassOf(string host) => _classOf.GetValueOrDefault(host, -1);

    /// <summary>One host per class (the first in file order).</summary>
    public IEnumerable<string> Representatives => _members.Select(m => m[0]);

    // Every string in an NF configuration that names addresses (a node, group, prefix or address), as ranges.
    private static List<List<(ulong Lo, ulong Hi)>> ConfigAddressSets(NetworkDescription network)
    {
        var result = new List<List<(ulong, ulong)>>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var nf in network.Functions) Walk(nf.Config);
        return result;

        void Walk(JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object: foreach (var p in e.EnumerateObject()) Walk(p.Value); break;
                case JsonValueKind.Array: foreach (var x in e.EnumerateArray()) Walk(x); break;
                case JsonValueKind.String:
                    var text = e.GetString()!;
                    if (!seen.Add(text)) return;
                    if (network.Group(text) is { } g) result.Add(g.Prefixes.Select(p => ((ulong)p.Network.Value, p.Network.Value + p.Size)).ToList());
                    else if (network.TryGetNode(text, out var node)) result.Add(node.Addresses.Select(a => ((ulong)a.Value, a.Value + 1UL)).ToList());
                    else if (text.Contains('/') && Ipv4Prefix.Problem(text, out var prefix) is null) result.Add([(prefix.Network.Value, prefix.Network.Value + prefix.Size)]);
                    else if (Ipv4Address.TryParse(text, out var address)) result.Add([(address.Value, address.Value + 1UL)]);
                    break;
            }
        }
    }
}
