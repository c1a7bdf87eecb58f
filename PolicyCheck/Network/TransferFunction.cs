namespace Switchboard.PolicyCheck.Network;

/// <summary>Destination addresses that every routing rule treats alike (so they share all next hops).</summary>
public sealed record DestinationClass(int Id, IReadOnlyList<Ipv4Address> Addresses)
{
    public override string ToString() =>
        Addresses.Count == 1 ? Addresses[0].ToString() : $"{Addresses[0]} (and {Addresses.Count - 1} more)";
}

/// <summary>Where an endpoint's packet goes next under <see cref="When"/>: the next endpoint (through routers
/// <see cref="Via"/>), or dropped when <see cref="Next"/> is null. <see cref="RulePath"/> is the sender's rule taken.</summary>
public sealed record Hop(FailureCondition When, string? Next, IReadOnlyList<string> Via, string? RulePath)
{
    public override string ToString() =>
        $"{(When.IsAlways ? "" : $"[{When}] ")}{(Next is null ? "drop" : string.Join(" -> ", Via.Append(Next)))}";
}

/// <summary>A forwarding loop: the packet would circle <see cref="Cycle"/> (first node repeated at the end).</summary>
public sealed record ForwardingLoop(IReadOnlyList<string> Cycle, DestinationClass Class, FailureCondition When, string JsonPath)
{
    public override string ToString()
    {
        var scenario = When.Down.Count == 0 ? "with no failures" : $"when {string.Join(", ", When.Down)} {(When.Down.Count == 1 ? "is" : "are")} down";
        return $"forwarding loop {string.Join(" -> ", Cycle)} for packets to {Class} {scenario}";
    }
}

/// <summary>
/// The network transfer function (4.3.1, 4.5.5) compiled to endpoints: for each endpoint (host or NF) and destination
/// class, the next endpoint under each failure condition, with routers walked through. Conditions are derived
/// symbolically from the ordered rules and their guards, so each hop's condition is a conjunction of up/down
/// literals and the hops of one (endpoint, class) are mutually exclusive. Forwarding loops in any allowed failure
/// scenario are found both inside the router fabric and across NFs (an NF here is assumed to keep the destination;
/// NFs that rewrite it, like NATs, can make such a cycle harmless: refine once models tell which do).
/// </summary>
public sealed class TransferFunction
{
    private const int MaxSteps = 5_000_000;
    private readonly NetworkDescription _network;
    private readonly Dictionary<Ipv4Address, DestinationClass> _classOf = new();
    private readonly Dictionary<(string, int), IReadOnlyList<Hop>> _hops = new();
    private readonly List<ForwardingLoop> _loops = [];
    private readonly HashSet<string> _loopKeys = new(StringComparer.Ordinal);
    private int _steps;

    private TransferFunction(NetworkDescription network)
    {
        _network = network;
        Classes = BuildClasses(network);
        foreach (var c in Classes) foreach (var a in c.Addresses) _classOf[a] = c;
    }

    public IReadOnlyList<DestinationClass> Classes { get; }
    public IReadOnlyList<ForwardingLoop> Loops => _loops;

    /// <summary>The analysis gave up (too many paths); loops may be missing.</summary>
    public bool Truncated { get; private set; }

    public DestinationClass? ClassOf(Ipv4Address address) => _classOf.GetValueOrDefault(address);

    public static TransferFunction Compute(NetworkDescription network)
    {
        var tf = new TransferFunction(network);
        foreach (var c in tf.Classes)
        {
            foreach (var e in network.Endpoints) tf.Hops(e.Name, c);
            foreach (var nf in network.Nodes.Where(n => n.Kind == NodeKind.Function)) tf.FindEndpointLoops(nf.Name, c);
        }
        return tf;
    }

    /// <summary>The mutually exclusive next hops of <paramref name="endpoint"/> for packets to <paramref name="c"/>.</summary>
    public IReadOnlyList<Hop> Hops(string endpoint, DestinationClass c)
    {
        if (_hops.TryGetValue((endpoint, c.Id), out var cached)) return cached;
        // Endpoints with the same rules (every host of a rack) have the same hops: the start node is not on the path.
        var rules = RulesKey(endpoint);
        if (!_hopsByRules.TryGetValue((rules, c.Id), out var result))
        {
            var list = new List<Hop>();
            Decide(endpoint, c, FailureCondition.Always, [], null, list);
            _hopsByRules[(rules, c.Id)] = result = list;
        }
        _hops[(endpoint, c.Id)] = result;
        return result;
    }

    private readonly Dictionary<(int, int), IReadOnlyList<Hop>> _hopsByRules = new();
    private readonly Dictionary<string, int> _rulesKeyOf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _rulesKeys = new(StringComparer.Ordinal);
    private readonly Dictionary<RouteRule, int> _ruleIds = new(ReferenceEqualityComparer.Instance);

    // An id for the endpoint's rule list (the rule objects in order; rules given once for a range of hosts are shared).
    private int RulesKey(string endpoint)
    {
        if (_rulesKeyOf.TryGetValue(endpoint, out var id)) return id;
        var rules = _network.Routing.GetValueOrDefault(endpoint) ?? [];
        var key = string.Join(",", rules.Select(r => _ruleIds.TryGetValue(r, out var i) ? i : _ruleIds[r] = _ruleIds.Count));
        if (!_rulesKeys.TryGetValue(key, out id)) _rulesKeys[key] = id = _rulesKeys.Count;
        return _rulesKeyOf[endpoint] = id;
    }

    /// <summary>The next endpoint for a packet from <paramref name="endpoint"/> to <paramref name="destination"/> when exactly
    /// <paramref name="failed"/> are down; null when it is dropped.</summary>
    public string? NextHop(string endpoint, Ipv4Address destination, IReadOnlySet<string> failed) =>
        ClassOf(destination) is { } c ? Hops(endpoint, c).FirstOrDefault(h => h.When.Holds(failed))?.Next : null;

    // Ordered rules: rule i applies when its guard and its next hop being up hold and no earlier rule applied.
    // The "did not apply" side is split into disjoint conjunctions (first literal false, or it true and the next false, ...).
    private void Decide(string node, DestinationClass c, FailureCondition cond, List<string> via, string? firstRule, List<Hop> result)
    {
        var rules = _network.Routing.GetValueOrDefault(node) ?? [];
        DecideFrom(node, rules, 0, c, cond, via, firstRule, result);
    }

    private void DecideFrom(string node, IReadOnlyList<RouteRule> rules, int i, DestinationClass c, FailureCondition cond,
        List<string> via, string? firstRule, List<Hop> result)
    {
        if (++_steps > MaxSteps)
        {
            Truncated = true;
            return;
        }
        while (i < rules.Count && !rules[i].Destinations.Contains(c.Addresses[0])) i++;
        if (i == rules.Count)
        {
            result.Add(new Hop(cond, null, [.. via], firstRule));
            return;
        }
        var rule = rules[i];
        // "up" of a node that cannot fail is true (no literal). A plain loop: this runs per endpoint, class and rule.
        var literals = new List<(string Node, bool Down)>(rule.WhenDown.Count + rule.WhenUp.Count + 1);
        foreach (var n in rule.WhenDown) literals.Add((n, true));
        foreach (var n in rule.WhenUp) if (_network.Failures.Nodes.Contains(n)) literals.Add((n, false));
        if (_network.Failures.Nodes.Contains(rule.NextHop)) literals.Add((rule.NextHop, false));

        FailureCondition? applied = cond;
        foreach (var (n, down) in literals) applied = applied?.With(n, down, _network.Failures);
        if (applied is not null) Follow(node, rule, c, applied, via, firstRule ?? rule.JsonPath, result);

        FailureCondition? prefix = cond;
        foreach (var (n, down) in literals)
        {
            if (prefix is null) break;
            if (prefix.With(n, !down, _network.Failures) is { } branch) DecideFrom(node, rules, i + 1, c, branch, via, firstRule, result);
            prefix = prefix.With(n, down, _network.Failures);
        }
    }

    private void Follow(string from, RouteRule rule, DestinationClass c, FailureCondition cond, List<string> via, string firstRule, List<Hop> result)
    {
        var next = rule.NextHop;
        if (_network.Node(next).IsEndpoint)
        {
            result.Add(new Hop(cond, next, [.. via], firstRule));
            return;
        }
        int at = via.IndexOf(next);
        if (at >= 0)
        {
            AddLoop([.. via.Skip(at), next], c, cond, rule.JsonPath);
            return;
        }
        via.Add(next);
        Decide(next, c, cond, via, firstRule, result);
        via.RemoveAt(via.Count - 1);
    }

    // Across NFs: follow hops NF to NF (hosts consume packets) while the conditions stay satisfiable together.
    private void FindEndpointLoops(string start, DestinationClass c)
    {
        var stack = new List<(string Node, string? Rule)> { (start, null) };
        var paths = new List<List<string>>();
        Walk(start, FailureCondition.Always);

        void Walk(string node, FailureCondition cond)
        {
            if (++_steps > MaxSteps)
            {
                Truncated = true;
                return;
            }
            foreach (var hop in Hops(node, c))
            {
                if (hop.Next is null || _network.Node(hop.Next).Kind != NodeKind.Function) continue;
                if (cond.And(hop.When, _network.Failures) is not { } both) continue;
                stack[^1] = (node, hop.RulePath);
                int at = stack.FindIndex(s => s.Node == hop.Next);
                if (at >= 0)
                {
                    var cycle = new List<string>();
                    for (int k = at; k < stack.Count; k++)
                    {
                        cycle.Add(stack[k].Node);
                        if (k == stack.Count - 1) cycle.AddRange(hop.Via);
                        else
                        {
                            var h = Hops(stack[k].Node, c).FirstOrDefault(x => x.Next == stack[k + 1].Node);
                            if (h is not null) cycle.AddRange(h.Via);
                        }
                    }
                    cycle.Add(hop.Next);
                    AddLoop(cycle, c, both, stack[at].Rule ?? hop.RulePath ?? "$.routing");
                    continue;
                }
                stack.Add((hop.Next, null));
                Walk(hop.Next, both);
                stack.RemoveAt(stack.Count - 1);
            }
        }
    }

    private void AddLoop(List<string> cycle, DestinationClass c, FailureCondition cond, string path)
    {
        // The same cycle found from another start, or rotated, is one loop.
        var ring = cycle.Take(cycle.Count - 1).ToList();
        int min = ring.IndexOf(ring.Min(StringComparer.Ordinal)!);
        var key = c.Id + ":" + string.Join(">", ring.Skip(min).Concat(ring.Take(min)));
        if (_loopKeys.Add(key)) _loops.Add(new ForwardingLoop(cycle, c, cond, path));
    }

    private static List<DestinationClass> BuildClasses(NetworkDescription network)
    {
        var universe = network.Addresses;
        var signature = universe.ToDictionary(a => a, _ => new System.Text.StringBuilder());
        int ruleIndex = 0;
        foreach (var rules in network.Routing.Values)
        foreach (var rule in rules)
        {
            ruleIndex++;
            if (rule.Destinations.Count == universe.Count) continue; // matches everything: distinguishes nothing
            foreach (var a in rule.Destinations)
                if (signature.TryGetValue(a, out var sb)) sb.Append(ruleIndex).Append(',');
        }
        return universe.GroupBy(a => signature[a].ToString())
            .Select((g, i) => new DestinationClass(i, g.ToList()))
            .ToList();
    }
}
