using System.Text.Json;
using Switchboard.PolicyCheck.Network;
using Switchboard.PolicyCheck.Smt;
using static Switchboard.PolicyCheck.Smt.Terms;

namespace Switchboard.PolicyCheck.Verification;

/// <summary>The network or invariant uses something this encoding does not handle yet.</summary>
public sealed class EncodingException(string message) : Exception(message);

/// <summary>
/// Simple isolation ("no packet with a source address of <c>from</c> is received by <c>to</c>", 4.5.3) as a
/// first-order query in the style of 4.5.1–4.5.5, for networks whose NFs are plain forwarders (model
/// <c>forwarder</c>) and stateless ACL firewalls (model <c>acl-firewall</c>, config <c>{"allow": [[from, to], ...]}</c>
/// or <c>{"deny": [...]}</c>, entries naming groups, hosts or NFs). Models from the model language come later.
/// <para>Sorts: <c>Node</c> (endpoints; routers are compiled into the transfer function), <c>Address</c>, and a
/// <c>Packet</c> datatype. Events are <c>send/recv(from, to, packet, time)</c> with integer time. Axioms: no
/// self-sends, src ≠ dst, time &gt; 0, every receive has an earlier send (Skolemised as <c>sendTime</c>, so the trace
/// can be read back); hosts send only their own packets; each endpoint sends only to the next hop its routes give
/// under the failure scenario (static <c>failed.X</c> flags, at most k true); a failed endpoint neither sends nor
/// receives; an NF sends only what it received earlier (Skolem <c>causeFrom/causeTime</c>); a firewall sends only
/// what its ACL allows. The negated invariant asserts a violating receive. SAT = violated, UNSAT = holds.</para>
/// </summary>
public sealed class IsolationEncoding
{
    public const string ForwarderModel = "forwarder", AclFirewallModel = "acl-firewall";
    private readonly NetworkDescription _network;
    private readonly InvariantSpec _invariant;
    private readonly SmtScript _script = new();
    private readonly Dictionary<string, Term> _failed = new(StringComparer.Ordinal);
    private DatatypeDecl _node = null!, _address = null!, _packet = null!;
    private FunDecl _send = null!, _recv = null!, _sendTime = null!, _causeFrom = null!, _causeTime = null!;
    private FunDecl _classOf = null!, _isHost = null!, _hostAddress = null!;
    private readonly Dictionary<string, FunDecl> _groupMember = new(StringComparer.Ordinal);

    private IsolationEncoding(NetworkDescription network, InvariantSpec invariant)
    {
        _network = network;
        _invariant = invariant;
    }

    public SmtScript Script => _script;

    public static IsolationEncoding Create(NetworkDescription network, InvariantSpec invariant)
    {
        if (invariant.Kind != InvariantKinds.Isolation)
            throw new EncodingException($"invariant '{invariant.Name}': kind '{invariant.Kind}' is not encoded yet (only '{InvariantKinds.Isolation}')");
        var e = new IsolationEncoding(network, invariant);
        e.Build();
        return e;
    }

    private static string NodeValue(string name) => "n." + name;
    private static string AddressValue(Ipv4Address a) => "a." + a;

    private Term Node(string name) => _node.Value(NodeValue(name));
    private Term Src(Term p) => _packet.Field("src", p);
    private Term Dst(Term p) => _packet.Field("dst", p);
    private Term Failed(string node) => _failed.GetValueOrDefault(node, False);

    private Term AddressIn(Term address, IEnumerable<Ipv4Address> set) => Or(set.Select(a => Eq(address, _address.Value(AddressValue(a)))).ToList());

    private void Build()
    {
        var endpoints = _network.Endpoints.ToList();
        var addresses = _network.Addresses;
        if (addresses.Count == 0) throw new EncodingException("the network has no addresses");
        _script.Comment($"VMN simple isolation: {_invariant.Name} ({_invariant.From} -> {_invariant.To})");
        _node = _script.DeclareEnumeration("Node", endpoints.Select(n => NodeValue(n.Name)));
        _address = _script.DeclareEnumeration("Address", addresses.Select(AddressValue));
        _packet = DatatypeDecl.Record("Packet", "packet",
            new FieldDecl("src", _address.Sort), new FieldDecl("dst", _address.Sort), new FieldDecl("origin", _node.Sort),
            new FieldDecl("src_port", Sort.Int), new FieldDecl("dst_port", Sort.Int), new FieldDecl("seq", Sort.Int));
        _script.DeclareDatatypes(_packet);

        Sort[] eventSorts = [_node.Sort, _node.Sort, _packet.Sort, Sort.Int];
        _send = _script.DeclareFun("send", eventSorts, Sort.Bool);
        _recv = _script.DeclareFun("recv", eventSorts, Sort.Bool);
        _sendTime = _script.DeclareFun("sendTime", eventSorts, Sort.Int);
        _causeFrom = _script.DeclareFun("causeFrom", [_node.Sort, _packet.Sort, Sort.Int], _node.Sort);
        _causeTime = _script.DeclareFun("causeTime", [_node.Sort, _packet.Sort, Sort.Int], Sort.Int);

        // Ground facts instead of large disjunctions keep the query linear in the network's size.
        _classOf = _script.DeclareFun("classOf", [_address.Sort], Sort.Int);
        foreach (var c in _network.Transfer.Classes)
            foreach (var a in c.Addresses) _script.Assert(Eq(_classOf.Apply(_address.Value(AddressValue(a))), c.Id));
        _isHost = _script.DeclareFun("isHost", [_node.Sort], Sort.Bool);
        _hostAddress = _script.DeclareFun("hostAddress", [_node.Sort], _address.Sort);
        foreach (var n in endpoints)
        {
            _script.Assert(n.Kind == NodeKind.Host ? _isHost.Apply(Node(n.Name)) : Not(_isHost.Apply(Node(n.Name))));
            if (n.Kind != NodeKind.Host) continue;
            if (n.Addresses.Count != 1) throw new EncodingException($"host {n.Name} needs exactly one address");
            _script.Assert(Eq(_hostAddress.Apply(Node(n.Name)), _address.Value(AddressValue(n.Addresses[0]))));
        }

        DeclareFailures();
        BaseAxioms();
        HostAxiom();
        foreach (var n in endpoints)
        {
            if (n.Kind == NodeKind.Function) FunctionAxioms(n);
            if (_failed.ContainsKey(n.Name)) FailureAxioms(n.Name);
        }
        RoutingAxioms(endpoints);
        NegatedInvariant();
    }

    private void DeclareFailures()
    {
        var flags = new List<Term>();
        foreach (var name in _network.Failures.Nodes)
        {
            var flag = _script.DeclareConst("failed." + name, Sort.Bool);
            _failed[name] = flag;
            flags.Add(flag);
            if (!_invariant.UnderFailures) _script.Assert(Not(flag));
        }
        if (_invariant.UnderFailures) _script.Assert(AtMost(flags, _network.Failures.MaxFailures), "failure-budget");
    }

    private void BaseAxioms()
    {
        var x = new Var("x", _node.Sort);
        var y = new Var("y", _node.Sort);
        var p = new Var("p", _packet.Sort);
        var t = new Var("t", Sort.Int);
        var send = _send.Apply(x, y, p, t);
        var recv = _recv.Apply(x, y, p, t);
        var st = _sendTime.Apply(x, y, p, t);
        _script.Assert(Forall([x, y, p, t], Implies(send, And(Distinct(x.Term, y.Term), Gt(t, 0), Distinct(Src(p), Dst(p)))), [[send]], "send-base"), "send-base");
        _script.Assert(Forall([x, y, p, t], Implies(recv, And(Distinct(x.Term, y.Term), Gt(t, 0), Lt(0, st), Lt(st, t), _send.Apply(x, y, p, st))), [[recv]], "recv-causality"), "recv-causality");
    }

    // Quantified over the peer, packet and time of one node's sends (or receives).
    private void ForAllSends(string node, Func<Var, Var, Var, Term> body, string id, bool receives = false)
    {
        var y = new Var("y", _node.Sort);
        var p = new Var("p", _packet.Sort);
        var t = new Var("t", Sort.Int);
        var ev = receives ? _recv.Apply(y, Node(node), p, t) : _send.Apply(Node(node), y, p, t);
        _script.Assert(Forall([y, p, t], Implies(ev, body(y, p, t)), [[ev]], id), id);
    }

    // Hosts send only packets they originate, with their own address: one axiom over the isHost/hostAddress facts.
    private void HostAxiom()
    {
        var x = new Var("x", _node.Sort);
        var y = new Var("y", _node.Sort);
        var p = new Var("p", _packet.Sort);
        var t = new Var("t", Sort.Int);
        var send = _send.Apply(x, y, p, t);
        _script.Assert(Forall([x, y, p, t], Implies(And(send, _isHost.Apply(x)),
            And(Eq(Src(p), _hostAddress.Apply(x)), Eq(_packet.Field("origin", p), x))), [[send]], "host-origin"), "host-origin");
    }

    private void FunctionAxioms(NetworkNode node)
    {
        var nf = _network.Function(node.Name)!;
        // An NF only forwards what it received earlier (it is passive, 4.5.7), unchanged.
        ForAllSends(node.Name, (_, p, t) =>
        {
            var ct = _causeTime.Apply(Node(node.Name), p, t);
            return And(Lt(0, ct), Lt(ct, t), _recv.Apply(_causeFrom.Apply(Node(node.Name), p, t), Node(node.Name), p, ct));
        }, $"nf.{node.Name}.causality");
        switch (nf.Model)
        {
            case ForwarderModel:
                break;
            case AclFirewallModel:
                ForAllSends(node.Name, (_, p, _) => AclPermits(nf, p), $"nf.{node.Name}.acl");
                break;
            default:
                throw new EncodingException($"NF {nf.Name} ({nf.JsonPath}): model '{nf.Model}' is not encoded yet (only '{ForwarderModel}' and '{AclFirewallModel}')");
        }
    }

    private void FailureAxioms(string node)
    {
        ForAllSends(node, (_, _, _) => Not(Failed(node)), $"up.{node}.send");
        ForAllSends(node, (_, _, _) => Not(Failed(node)), $"up.{node}.recv", receives: true);
    }

    // ACLs normalised to one meaning: "allow" lists what passes (the rest drops), "deny" what drops (the rest passes).
    private Term AclPermits(FunctionInstance nf, Term p)
    {
        bool hasAllow = nf.Config.TryGetProperty("allow", out var allow);
        bool hasDeny = nf.Config.TryGetProperty("deny", out var deny);
        if (hasAllow == hasDeny)
            throw new EncodingException($"NF {nf.Name} ({nf.JsonPath}.config): an ACL firewall needs exactly one of \"allow\" or \"deny\" (a list of [from, to] pairs)");
        var matches = Or(Pairs(nf, hasAllow ? allow : deny, hasAllow ? "allow" : "deny")
            .Select(pair => And(pair.From(Src(p)), pair.To(Dst(p)))).ToList());
        return hasAllow ? matches : Not(matches);
    }

    private IEnumerable<(Func<Term, Term> From, Func<Term, Term> To)> Pairs(FunctionInstance nf, JsonElement list, string key)
    {
        if (list.ValueKind != JsonValueKind.Array)
            throw new EncodingException($"NF {nf.Name} ({nf.JsonPath}.config.{key}): expected a list of [from, to] pairs");
        int i = 0;
        foreach (var pair in list.EnumerateArray())
        {
            var items = pair.ValueKind == JsonValueKind.Array ? pair.EnumerateArray().ToList() : [];
            if (items.Count != 2 || items.Any(x => x.ValueKind != JsonValueKind.String))
                throw new EncodingException($"NF {nf.Name} ({nf.JsonPath}.config.{key}[{i}]): expected a pair [\"from\", \"to\"] of groups, hosts or NFs");
            yield return (Membership(nf, items[0].GetString()!, key, i), Membership(nf, items[1].GetString()!, key, i));
            i++;
        }
    }

    private Func<Term, Term> Membership(FunctionInstance nf, string name, string key, int index)
    {
        if (_network.Group(name) is not null) return a => GroupMember(name, a);
        if (_network.TryGetNode(name, out var node)) return a => AddressIn(a, node.Addresses);
        throw new EncodingException($"NF {nf.Name} ({nf.JsonPath}.config.{key}[{index}]): '{name}' is not a policy group, host or NF");
    }

    // "address a is in group g" as a predicate with one ground fact per address.
    private Term GroupMember(string group, Term address)
    {
        if (!_groupMember.TryGetValue(group, out var member))
        {
            var g = _network.Group(group)!;
            member = _script.DeclareFun("inGroup." + group, [_address.Sort], Sort.Bool);
            foreach (var a in _network.Addresses)
            {
                var fact = member.Apply(_address.Value(AddressValue(a)));
                _script.Assert(g.Prefixes.Any(pr => pr.Contains(a)) ? fact : Not(fact));
            }
            _groupMember[group] = member;
        }
        return member.Apply(address);
    }

    // send(x, y, p, t) => y is the next hop for p's destination class under the failure scenario. Endpoints with the
    // same table (typically every host of a rack) share one axiom, selected by a routeTable(x) fact: few quantifiers
    // however many hosts. Within a table, classes with the same hops share one case, and when every class has the
    // same hops (a default route) the destination is not tested at all.
    private void RoutingAxioms(List<NetworkNode> endpoints)
    {
        var tf = _network.Transfer;
        var tables = new Dictionary<string, (int Id, List<(List<int> Classes, List<Hop> Hops)> Cases)>(StringComparer.Ordinal);
        var routeTable = _script.DeclareFun("routeTable", [_node.Sort], Sort.Int);
        foreach (var node in endpoints)
        {
            var byHops = new Dictionary<string, (List<int> Classes, List<Hop> Hops)>(StringComparer.Ordinal);
            foreach (var c in tf.Classes)
            {
                var hops = tf.Hops(node.Name, c).Where(h => h.Next is not null && h.Next != node.Name).ToList();
                if (hops.Count == 0) continue;
                var key = string.Join("|", hops.Select(h => h.When + ">" + h.Next));
                if (!byHops.TryGetValue(key, out var entry)) byHops[key] = entry = ([], hops);
                entry.Classes.Add(c.Id);
            }
            var tableKey = string.Join(";", byHops.Select(kv => string.Join(",", kv.Value.Classes) + ":" + kv.Key));
            if (!tables.TryGetValue(tableKey, out var table)) tables[tableKey] = table = (tables.Count, [.. byHops.Values]);
            _script.Assert(Eq(routeTable.Apply(Node(node.Name)), table.Id));
        }
        foreach (var (id, cases) in tables.Values)
        {
            var x = new Var("x", _node.Sort);
            var y = new Var("y", _node.Sort);
            var p = new Var("p", _packet.Sort);
            var t = new Var("t", Sort.Int);
            var send = _send.Apply(x, y, p, t);
            var options = cases.Select(c =>
            {
                var next = Or(c.Hops.Select(h => And(Condition(h.When), Eq(y, Node(h.Next!)))).ToList());
                return c.Classes.Count == tf.Classes.Count ? next : And(Or(c.Classes.Select(k => Eq(_classOf.Apply(Dst(p)), k)).ToList()), next);
            }).ToList();
            _script.Assert(Forall([x, y, p, t], Implies(And(send, Eq(routeTable.Apply(x), id)), Or(options)), [[send]], $"route.{id}"), $"route.{id}");
        }
    }

    private Term Condition(FailureCondition c) =>
        And(c.Down.Select(Failed).Concat(c.Up.Select(n => Not(Failed(n)))).ToList());

    private void NegatedInvariant()
    {
        var from = _network.Resolve(_invariant.From).SelectMany(n => n.Addresses).ToList();
        Term FromSource(Term packet) => _network.Group(_invariant.From) is not null ? GroupMember(_invariant.From, Src(packet)) : AddressIn(Src(packet), from);
        var to = _network.Resolve(_invariant.To).Where(n => n.IsEndpoint).ToList();
        if (from.Count == 0) throw new EncodingException($"invariant '{_invariant.Name}': '{_invariant.From}' has no addresses");
        if (to.Count == 0) throw new EncodingException($"invariant '{_invariant.Name}': '{_invariant.To}' has no hosts");
        var peer = _script.DeclareConst("violation.from", _node.Sort);
        var receiver = _script.DeclareConst("violation.to", _node.Sort);
        var packet = _script.DeclareConst("violation.packet", _packet.Sort);
        var time = _script.DeclareConst("violation.time", Sort.Int);
        _script.Assert(And(
            _recv.Apply(peer, receiver, packet, time),
            Or(to.Select(n => Eq(receiver, Node(n.Name))).ToList()),
            FromSource(packet)), "negated-invariant");
    }

    /// <summary>Reads the counterexample from a model: the failed nodes, then from the violating receive back along
    /// <c>sendTime</c> and the NFs' <c>causeFrom/causeTime</c> to the host that sent the packet.</summary>
    public CounterexampleTrace ReadTrace(SmtModel model)
    {
        var failed = _failed.Where(f => Evaluates(model, () => model.Constant("failed." + f.Key)) is BoolValue { Value: true }).Select(f => f.Key).ToList();
        var events = new List<TraceEvent>();
        string? note = null;
        try
        {
            var from = model.Constant("violation.from");
            var to = model.Constant("violation.to");
            var packet = model.Constant("violation.packet");
            var time = model.Constant("violation.time");
            for (int step = 0; step < 64; step++)
            {
                events.Add(Event(TraceEventKind.Receive, from, to, packet, time));
                var sentAt = model.Apply("sendTime", from, to, packet, time);
                events.Add(Event(TraceEventKind.Send, from, to, packet, sentAt));
                var sender = Name(from);
                if (!_network.TryGetNode(sender, out var node) || node.Kind != NodeKind.Function) break;
                to = from;
                from = model.Apply("causeFrom", to, packet, sentAt);
                time = model.Apply("causeTime", to, packet, sentAt);
            }
        }
        catch (ModelEvaluationException e)
        {
            note = "trace incomplete: " + e.Message;
        }
        events.Sort((a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : a.Kind.CompareTo(b.Kind));
        return new CounterexampleTrace(failed, events, note);
    }

    private static SmtValue? Evaluates(SmtModel model, Func<SmtValue> f)
    {
        try { return f(); }
        catch (ModelEvaluationException) { return null; }
    }

    private static TraceEvent Event(TraceEventKind kind, SmtValue from, SmtValue to, SmtValue packet, SmtValue time) =>
        new((long)((IntValue)time).Value, kind, Name(from), Name(to), Packet(packet));

    private static TracePacket Packet(SmtValue v)
    {
        if (v is not DatatypeValue { Fields.Count: 6 } p) return new TracePacket(v.ToString(), "?", "?", "");
        return new TracePacket(Name(p.Fields[0]), Name(p.Fields[1]), Name(p.Fields[2]),
            $"ports {p.Fields[3]}->{p.Fields[4]}, seq {p.Fields[5]}");
    }

    // n.web1 -> web1, a.10.0.0.1 -> 10.0.0.1
    private static string Name(SmtValue v) => v is DatatypeValue { Fields.Count: 0 } d && d.Constructor.Length > 2 && d.Constructor[1] == '.'
        ? d.Constructor[2..] : v.ToString();
}
