using System.Text.Json;
using Switchboard.Json;

namespace Switchboard.Host.Config;

/// <summary>Validates the structure of <c>$.invariants</c>; the policy checker decides whether they hold.
/// Names they mention must be declared ports or NFs (a typo would otherwise check a different network).</summary>
internal static class InvariantParser
{
    public const string Traversal = "traversal", Pipeline = "pipeline";
    public static readonly string[] Kinds = ["isolation", "flow-isolation", "data-isolation", Traversal, Pipeline];
    public static readonly string[] Expectations = ["holds", "violated"];

    public static List<InvariantSpec> Parse(ObjectView root, PortTable ports, HashSet<string> nfNames, Diagnostics diag)
    {
        var invariants = new List<InvariantSpec>();
        var items = root.Array("invariants");
        if (items is null) return invariants;
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (element, path) in items)
        {
            var inv = ObjectView.From(element, path, diag);
            if (inv is null) continue;
            inv.RejectUnknownKeys("name", "kind", "from", "to", "through", "stages", "expect");

            var name = inv.String("name", required: true);
            if (name is not null && ConfigNames.Check(name, inv.ChildPath("name"), "invariant", diag) && !names.TryAdd(name, path))
                diag.Error(inv.ChildPath("name"), $"invariant name '{name}' is already used by {names[name]}");

            var kind = inv.String("kind", required: true);
            if (kind is not null && Array.IndexOf(Kinds, kind) < 0)
                diag.Error(inv.ChildPath("kind"), $"unknown invariant kind '{kind}'{NearestName.Hint(kind, Kinds)}; kinds: {string.Join(", ", Kinds)}");

            var from = Endpoint(inv, "from", ports, nfNames, diag);
            var to = Endpoint(inv, "to", ports, nfNames, diag);

            var through = new List<string>();
            if (kind == Traversal)
            {
                foreach (var (nf, nfPath) in inv.Strings("through", required: true) ?? [])
                {
                    through.Add(nf);
                    if (!nfNames.Contains(nf)) diag.Error(nfPath, $"unknown NF '{nf}'{NearestName.Hint(nf, nfNames)}; defined NFs: {ConfigNames.List(nfNames)}");
                }
            }
            else if (kind is not null && inv.TryGet("through", out _))
                diag.Error(inv.ChildPath("through"), $"\"through\" is only allowed for kind '{Traversal}'");
            IReadOnlyList<IReadOnlyList<string>> stages = [];
            if (kind == Pipeline) stages = Stages(inv, nfNames, diag);
            else if (kind is not null && inv.TryGet("stages", out _))
                diag.Error(inv.ChildPath("stages"), $"\"stages\" is only allowed for kind '{Pipeline}'");

            var expect = inv.String("expect");
            if (expect is not null && Array.IndexOf(Expectations, expect) < 0)
                diag.Error(inv.ChildPath("expect"), $"expected 'holds' or 'violated', got '{expect}'");

            invariants.Add(new InvariantSpec(name ?? "", kind ?? "", from ?? "", to ?? "", through, expect, path) { Stages = stages });
        }
        return invariants;
    }

    /// <summary>A pipeline's "stages": at least two, in order, each an NF name or a non-empty list of alternative NF names
    /// (redundant instances); no NF in two stages.</summary>
    private static IReadOnlyList<IReadOnlyList<string>> Stages(ObjectView inv, HashSet<string> nfNames, Diagnostics diag) =>
        PipelineStages.Parse(inv, diag, (nf, path) =>
        {
            if (nfNames.Contains(nf)) return true;
            diag.Error(path, $"unknown NF '{nf}'{NearestName.Hint(nf, nfNames)}; defined NFs: {ConfigNames.List(nfNames)}");
            return false;
        }, Traversal);

    private static string? Endpoint(ObjectView inv, string key, PortTable ports, HashSet<string> nfNames, Diagnostics diag)
    {
        var name = inv.String(key, required: true);
        if (name is not null && !ports.Declared.ContainsKey(name) && !nfNames.Contains(name))
        {
            var all = ports.Declared.Keys.Concat(nfNames).ToList();
            diag.Error(inv.ChildPath(key), $"unknown port or NF '{name}'{NearestName.Hint(name, all)}; defined: {ConfigNames.List(all)}");
        }
        return name;
    }
}
