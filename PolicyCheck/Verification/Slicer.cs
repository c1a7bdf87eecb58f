using Switchboard.PolicyCheck.Language;
using Switchboard.PolicyCheck.Network;

namespace Switchboard.PolicyCheck.Verification;

/// <summary>The endpoints an invariant is verified on, and why (4.3.2, 4.5.6).</summary>
/// <param name="Nodes">Endpoints of the slice, in file order.</param>
/// <param name="Whole">True when the slice is the whole network (slicing off, or an NF neither flow-parallel nor origin-agnostic).</param>
/// <param name="Representatives">Hosts added as representatives of policy classes (non-flow-parallel NFs).</param>
public sealed record Slice(IReadOnlyList<string> Nodes, bool Whole, IReadOnlyList<string> Representatives, string Reason);

/// <summary>
/// Computes slices: the invariant's endpoints (from, to — for a policy group two hosts per policy class in it — and for
/// traversal the required NFs), closed under forwarding —
/// every next hop, under every allowed failure condition, of every slice endpoint towards every slice address, and
/// every node an NF in the slice may rewrite a packet towards (addresses named by configuration that the model uses
/// as values, e.g. load-balancer backends or NAT translations). When an NF in the slice is not flow-parallel but
/// origin-agnostic (a cache, listing 4's firewall) one host of every policy equivalence class joins the slice (and the
/// closure is redone); when an NF is neither, the slice is the whole network. Nodes outside a slice are left out of
/// the query, which is exact for a slice closed under forwarding and state.
/// </summary>
public sealed class Slicer
{
    private readonly NetworkDescription _network;
    private readonly ModelCatalog _catalog;
    private readonly PolicyClasses _classes;
    // Caches are concurrent: NetworkVerifier computes slices on all cores.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ModelClassification?> _classification = new(StringComparer.Ordinal);
    // Per-name results reused across invariants (slices of group-pair invariants share their groups' seeds), and each
    // endpoint's position in file order, so a slice costs time in its own size, not the network's.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, List<string>> _seeds = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, List<string>> _rewriteTargets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _endpointIndex = new(StringComparer.Ordinal);
    private readonly List<string> _endpointNames = [];

    public Slicer(NetworkDescription network, ModelCatalog? catalog = null, PolicyClasses? classes = null)
    {
        _network = network;
        _catalog = catalog ?? ModelCatalog.Library;
        _classes = classes ?? new PolicyClasses(network);
        foreach (var n in network.Endpoints)
        {
            _endpointIndex[n.Name] = _endpointNames.Count;
            _endpointNames.Add(n.Name);
        }
    }

    public PolicyClasses Classes => _classes;

    public Slice Compute(InvariantSpec invariant)
    {
        var seeds = Seeds(invariant.From).Concat(Seeds(invariant.To)).Concat(invariant.Through).ToList();
        var nodes = Close(seeds);
        var notFlowParallel = nodes.Where(n => Classification(n) is { FlowParallel: false }).ToList();
        var representatives = new List<string>();
        if (notFlowParallel.Count > 0)
        {
            var neither = notFlowParallel.Where(n => Classification(n) is { OriginAgnostic: false }).ToList();
            if (neither.Count > 0)
                return new Slice(_endpointNames.ToList(), true, [],
                    $"{string.Join(", ", neither)} {(neither.Count == 1 ? "is" : "are")} neither flow-parallel nor origin-agnostic: whole network");
            representatives = _classes.Representatives.Where(r => !nodes.Contains(r)).ToList();
            nodes = Close(nodes.Concat(representatives));
        }
        var ordered = nodes.OrderBy(n => _endpointIndex[n]).ToList();
        var reason = representatives.Count > 0
            ? $"closed under forwarding, plus one host per policy class for {string.Join(", ", notFlowParallel)} (not flow-parallel)"
            : "closed under forwarding; every NF in it is flow-parallel";
        return new Slice(ordered, ordered.Count == _endpointNames.Count, representatives, reason);
    }

    // A node stands for itself. A policy group stands for two hosts of each policy class in it: any violation by (or
    // to) a host of the group maps, by swapping hosts inside their class, onto one by these (two, so that a sender and
    // a receiver of the same class stay distinct); so slices do not grow with the group.
    private List<string> Seeds(string name) => _seeds.GetOrAdd(name, n => _network.Group(n) is null
        ? _network.Resolve(n).Where(x => x.IsEndpoint).Select(x => x.Name).ToList()
        : _network.Resolve(n).GroupBy(h => _classes.ClassOf(h.Name)).SelectMany(c => c.Take(2)).Select(h => h.Name).ToList());

    /// <summary>Every endpoint, for verification without slicing.</summary>
    public Slice Whole() => new(_endpointNames.ToList(), true, [], "slicing off: whole network");

    private ModelClassification? Classification(string node)
    {
        if (_network.Function(node) is not { } nf) return null;
        return _classification.GetOrAdd(nf.Model, m => _catalog.Classify(m));
    }

    private HashSet<string> Close(IEnumerable<string> seeds)
    {
        var tf = _network.Transfer;
        var nodes = new HashSet<string>(seeds, StringComparer.Ordinal);
        var queue = new Queue<string>(nodes);
        var classesDone = new HashSet<int>();
        var classes = new List<DestinationClass>();
        void AddClassesOf(string node)
        {
            foreach (var a in _network.Node(node).Addresses)
                if (tf.ClassOf(a) is { } c && classesDone.Add(c.Id)) classes.Add(c);
        }
        void Add(string node)
        {
            if (nodes.Add(node)) queue.Enqueue(node);
        }
        foreach (var n in nodes) AddClassesOf(n);
        // Fixpoint: a new node may bring new destinations, for which every node's hops must be followed again.
        while (true)
        {
            int classCount = classes.Count;
            while (queue.Count > 0)
            {
                var u = queue.Dequeue();
                AddClassesOf(u);
                foreach (var target in RewriteTargets(u)) Add(target);
            }
            foreach (var u in nodes.ToList())
                foreach (var c in classes.ToList())
                    foreach (var hop in tf.Hops(u, c))
                        if (hop.Next is { } next) Add(next);
            if (queue.Count == 0 && classes.Count == classCount) break;
        }
        return nodes;
    }

    // Nodes whose addresses an NF's model may write into a packet: config strings naming one node, in parameters the
    // model uses as values (anything but the collection of a membership test or a findFirst).
    private List<string> RewriteTargets(string node) => _rewriteTargets.GetOrAdd(node, ComputeRewriteTargets);

    private List<string> ComputeRewriteTargets(string node)
    {
        if (_network.Function(node) is not { } nf || _catalog.Find(nf.Model) is not { } model) return [];
        var valueParams = ValueParameters(model);
        var targets = new List<string>();
        if (nf.Config.ValueKind != System.Text.Json.JsonValueKind.Object) return targets;
        foreach (var p in nf.Config.EnumerateObject())
            if (valueParams.Contains(p.Name)) Collect(p.Value, targets);
        return targets;
    }

    private void Collect(System.Text.Json.JsonElement e, List<string> targets)
    {
        switch (e.ValueKind)
        {
            case System.Text.Json.JsonValueKind.Object: foreach (var p in e.EnumerateObject()) Collect(p.Value, targets); break;
            case System.Text.Json.JsonValueKind.Array: foreach (var x in e.EnumerateArray()) Collect(x, targets); break;
            case System.Text.Json.JsonValueKind.String:
                var text = e.GetString()!;
                if (_network.TryGetNode(text, out var n) && n.IsEndpoint) targets.Add(n.Name);
                else if (Ipv4Address.TryParse(text, out var a) && _network.Owner(a) is { IsEndpoint: true } owner) targets.Add(owner.Name);
                break;
        }
    }

    private static HashSet<string> ValueParameters(object model)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        var models = model switch
        {
            ModelDecl m => [m],
            PipelineDecl p => p.Stages.Select(s => s.Model).ToList(),
            _ => new List<ModelDecl>(),
        };
        foreach (var m in models)
            foreach (var rule in m.Rules)
                foreach (var e in Expressions(rule))
                    Visit(e, parentIsMembership: false);
        // Pipelines pass their parameters on to stages: be conservative and treat all as values.
        if (model is PipelineDecl pd) foreach (var p in pd.Parameters) result.Add(p.Name);
        return result;

        void Visit(Expr e, bool parentIsMembership)
        {
            if (e is ParamRef r && !parentIsMembership) result.Add(r.Param.Name);
            switch (e)
            {
                case Contains c: Visit(c.Collection, true); Visit(c.Element, false); return;
                case FindFirst f: Visit(f.List, true); Visit(f.Predicate, false); return;
            }
            foreach (var child in ModelAnalysis.Children(e)) Visit(child, false);
        }
    }

    private static IEnumerable<Expr> Expressions(Rule rule)
    {
        if (rule.Guard != null) yield return rule.Guard;
        foreach (var a in rule.Actions)
        {
            switch (a)
            {
                case SetAdd x: yield return x.Element; break;
                case MapPut m: yield return m.Key; yield return m.Value; break;
            }
        }
        foreach (var w in rule.Rewrites) yield return w.Value;
    }
}
