using Switchboard.PolicyCheck.Network.Json;

namespace Switchboard.PolicyCheck.Network;

/// <summary>Validates <c>$.invariants</c> and expands <c>$.invariantSets</c> (generated all-pairs sets).</summary>
internal static class InvariantParser
{
    public static readonly string[] Expectations = ["holds", "violated"];

    public static List<InvariantSpec> Parse(ObjectView root, NameTable names, List<PolicyGroup> groups, Diagnostics diag)
    {
        var invariants = new List<InvariantSpec>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (element, path) in root.Array("invariants") ?? [])
        {
            var inv = ObjectView.From(element, path, diag);
            if (inv is null) continue;
            inv.RejectUnknownKeys("name", "kind", "from", "to", "through", "stages", "expect", "underFailures");
            var name = inv.String("name", required: true);
            if (name is not null && !seen.TryAdd(name, path))
                diag.Error(inv.ChildPath("name"), $"invariant name '{name}' is already used by {seen[name]}");
            var kind = Kind(inv, diag);
            var from = inv.String("from", required: true);
            if (from is not null) names.CheckEndpoint(from, inv.ChildPath("from"));
            var to = inv.String("to", required: true);
            if (to is not null) names.CheckEndpoint(to, inv.ChildPath("to"));
            var through = new List<string>();
            IReadOnlyList<IReadOnlyList<string>> stages = [];
            if (kind == InvariantKinds.Pipeline)
            {
                if (inv.TryGet("through", out _))
                    diag.Error(inv.ChildPath("through"), "a pipeline lists its NFs, in order, in \"stages\" (\"through\" is for kind 'traversal')");
                stages = Switchboard.Json.PipelineStages.Parse(inv, diag, (nf, path) =>
                {
                    if (!names.CheckNode(nf, path)) return false;
                    if (names.KindOf(nf) == "NF") return true;
                    diag.Error(path, $"'{nf}' is a {names.KindOf(nf)}; pipeline stages name NFs");
                    return false;
                }, InvariantKinds.Traversal);
                through.AddRange(stages.SelectMany(s => s));
            }
            else if (kind is not null && inv.TryGet("stages", out _))
                diag.Error(inv.ChildPath("stages"), $"\"stages\" is only allowed for kind '{InvariantKinds.Pipeline}'");
            if (kind == InvariantKinds.Traversal)
            {
                var items = inv.Strings("through", required: true);
                if (items is { Count: 0 }) diag.Error(inv.ChildPath("through"), "name at least one NF the traffic must pass");
                foreach (var (nf, nfPath) in items ?? [])
                {
                    if (!names.CheckNode(nf, nfPath)) continue;
                    if (names.KindOf(nf) != "NF") diag.Error(nfPath, $"'{nf}' is a {names.KindOf(nf)}; \"through\" names NFs");
                    else through.Add(nf);
                }
            }
            else if (kind is not null && kind != InvariantKinds.Pipeline && inv.TryGet("through", out _))
                diag.Error(inv.ChildPath("through"), $"\"through\" is only allowed for kind '{InvariantKinds.Traversal}'");
            var expect = Expect(inv, diag);
            var underFailures = inv.Bool("underFailures") ?? true;
            invariants.Add(new InvariantSpec(name ?? "", kind ?? "", from ?? "", to ?? "", through, expect, underFailures, path) { Stages = stages });
        }
        return invariants;
    }

    /// <summary><c>{"kind", "between": "groups"|"hosts", "groups": [...], "allow": [[from, to], ...], "underFailures"}</c>:
    /// one invariant per ordered pair across distinct groups; with <c>allow</c>, allowed pairs expect "violated" and the rest "holds".</summary>
    public static List<InvariantSpec> ParseSets(ObjectView root, List<PolicyGroup> groups, List<NetworkNode> nodes, List<InvariantSpec> explicitOnes, Diagnostics diag)
    {
        var generated = new List<InvariantSpec>();
        var names = explicitOnes.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (element, path) in root.Array("invariantSets") ?? [])
        {
            var set = ObjectView.From(element, path, diag);
            if (set is null) continue;
            set.RejectUnknownKeys("kind", "between", "groups", "allow", "underFailures");
            var kind = Kind(set, diag);
            if (kind is InvariantKinds.Traversal or InvariantKinds.Pipeline) diag.Error(set.ChildPath("kind"), $"{kind} invariants name their NFs; write them in \"invariants\"");
            var between = set.String("between") ?? "groups";
            if (between is not ("groups" or "hosts")) diag.Error(set.ChildPath("between"), $"expected 'groups' or 'hosts', got '{between}'");
            var chosen = new List<string>();
            foreach (var (g, gPath) in set.Strings("groups") ?? groups.Select(g => (g.Name, path)).ToList())
            {
                if (groups.Any(x => x.Name == g)) chosen.Add(g);
                else diag.Error(gPath, $"unknown policy group '{g}'{NearestName.Hint(g, groups.Select(x => x.Name))}");
            }
            HashSet<(string, string)>? allow = null;
            if (set.Array("allow") is { } pairs)
            {
                allow = [];
                foreach (var (pair, pairPath) in pairs)
                {
                    var items = pair.ValueKind == System.Text.Json.JsonValueKind.Array ? pair.EnumerateArray().ToList() : [];
                    if (items.Count != 2 || items.Any(i => i.ValueKind != System.Text.Json.JsonValueKind.String))
                    {
                        diag.Error(pairPath, "expected a pair [\"fromGroup\", \"toGroup\"]");
                        continue;
                    }
                    var (a, b) = (items[0].GetString()!, items[1].GetString()!);
                    foreach (var g in new[] { a, b })
                        if (!groups.Any(x => x.Name == g)) diag.Error(pairPath, $"unknown policy group '{g}'{NearestName.Hint(g, groups.Select(x => x.Name))}");
                    allow.Add((a, b));
                }
            }
            var underFailures = set.Bool("underFailures") ?? true;
            if (kind is null) continue;
            var made = between == "hosts"
                ? InvariantSets.AcrossHosts(nodes.Where(n => n.Kind == NodeKind.Host && chosen.Contains(n.Group!)), kind, allow, underFailures, path)
                : InvariantSets.AcrossGroups(chosen, kind, allow, underFailures, path);
            foreach (var inv in made)
            {
                if (names.Add(inv.Name)) generated.Add(inv);
                else diag.Error(path, $"generated invariant name '{inv.Name}' is already used");
            }
        }
        return generated;
    }

    private static string? Kind(ObjectView obj, Diagnostics diag)
    {
        var kind = obj.String("kind", required: true);
        if (kind is not null && !InvariantKinds.All.Contains(kind))
        {
            diag.Error(obj.ChildPath("kind"), $"unknown invariant kind '{kind}'{NearestName.Hint(kind, InvariantKinds.All)}; kinds: {string.Join(", ", InvariantKinds.All)}");
            return null;
        }
        return kind;
    }

    private static string? Expect(ObjectView inv, Diagnostics diag)
    {
        var expect = inv.String("expect");
        if (expect is not null && !Expectations.Contains(expect))
            diag.Error(inv.ChildPath("expect"), $"expected 'holds' or 'violated', got '{expect}'");
        return expect;
    }
}
