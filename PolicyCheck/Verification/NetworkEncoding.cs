using Switchboard.PolicyCheck.Language;
using Switchboard.PolicyCheck.Network;
using Switchboard.PolicyCheck.Smt;
using Switchboard.PolicyCheck.Verification.Encoding;
using static Switchboard.PolicyCheck.Smt.Terms;

namespace Switchboard.PolicyCheck.Verification;

/// <summary>The network or invariant uses something the encoding does not handle.</summary>
public sealed class EncodingException(string message) : Exception(message);

/// <summary>
/// One invariant on one slice of a network as a first-order query (4.5.1–4.5.5): satisfiable iff the invariant is
/// violated. Sorts: <c>Node</c> (the slice's endpoints; routers are compiled into the transfer function),
/// <c>Address</c> (their addresses), <c>Packet</c>, <c>Flow</c>; integer time.
/// <para>Axioms: a node never sends to itself, src ≠ dst, time &gt; 0, every receive has an earlier send
/// (<c>sendTime</c>); hosts send only packets with their own address and themselves as origin; every endpoint sends
/// only to the next hop the transfer function gives for the packet's destination under the failures at that time
/// (the network pseudo-node of 4.5.5, folded into the send); a node that may fail neither sends nor receives while
/// down; each NF's model compiled by <see cref="FunctionEncoder"/>. Nodes outside the slice are absent, which is
/// sound when the slice is closed under forwarding (<see cref="Slicer"/>). The negated invariant asserts a violating
/// receive.</para>
/// </summary>
public sealed class NetworkEncoding
{
    private readonly NetworkDescription _network;
    private readonly InvariantSpec _invariant;
    private readonly IReadOnlyList<NetworkNode> _endpoints;
    private readonly ModelCatalog _catalog;
    private readonly Dictionary<string, FunctionEncoder> _functions = new(StringComparer.Ordinal);
    private Vocabulary _v = null!;
    private bool _pruneAcls;
    private QueryContext _q = null!;

    private NetworkEncoding(NetworkDescription network, InvariantSpec invariant, IReadOnlyList<NetworkNode> endpoints, ModelCatalog catalog)
    {
        _network = network;
        _invariant = invariant;
        _endpoints = endpoints;
        _catalog = catalog;
    }

    public SmtScript Script { get; } = new();

    /// <summary>The endpoints the query contains.</summary>
    public IReadOnlyList<string> Nodes => _endpoints.Select(n => n.Name).ToList();

    /// <summary>Encodes <paramref name="invariant"/> on the endpoints <paramref name="slice"/> (null: every endpoint).</summary>
    public static NetworkEncoding Create(NetworkDescription network, InvariantSpec invariant, IReadOnlyCollection<string>? slice = null, ModelCatalog? catalog = null) =>
        Create(network, invariant, slice, catalog, pruneAcls: true);

    /// <summary><paramref name="pruneAcls"/>: drop ACL shorthand pairs outside the slice's addresses before compiling
    /// (see <see cref="ConfigBinder"/>); off only to test that this changes nothing.</summary>
    internal static NetworkEncoding Create(NetworkDescription network, InvariantSpec invariant, IReadOnlyCollection<string>? slice, ModelCatalog? catalog, bool pruneAcls)
    {
        if (!InvariantKinds.All.Contains(invariant.Kind))
            throw new EncodingException($"invariant '{invariant.Name}': unknown kind '{invariant.Kind}'");
        var set = slice?.ToHashSet(StringComparer.Ordinal);
        var endpoints = network.Endpoints.Where(n => set is null || set.Contains(n.Name)).ToList();
        var e = new NetworkEncoding(network, invariant, endpoints, catalog ?? ModelCatalog.Library) { _pruneAcls = pruneAcls };
        e.Build();
        return e;
    }

    private Term Node(string name) => _v.Node(name);

    private void Build()
    {
        Script.Comment($"VMN {_invariant.Kind}: {_invariant.Name} ({_invariant.From} -> {_invariant.To}) on {_endpoints.Count} endpoint(s)");
        _v = new Vocabulary(Script, _endpoints.Select(n => n.Name), _endpoints.SelectMany(n => n.Addresses));
        _q = new QueryContext(_v, _network.Failures, _invariant.UnderFailures);
        BaseAxioms();
        HostAxioms();
        foreach (var n in _endpoints)
            if (_q.CanFail(n.Name)) UpAxioms(n.Name);
        RoutingAxioms();
        var binderNetwork = _network;
        var sliceAddresses = _pruneAcls ? new SliceAddresses(_v.Addresses) : null;
        foreach (var n in _endpoints.Where(n => n.Kind == NodeKind.Function))
        {
            var nf = _network.Function(n.Name)!;
            var model = _catalog.Find(nf.Model)
                ?? throw new EncodingException($"NF {nf.Name} ({nf.JsonPath}.model): no model '{nf.Model}'; models: {string.Join(", ", _catalog.Names)}");
            var encoder = new FunctionEncoder(_v, _q, nf, model, new ConfigBinder(binderNetwork, $"NF {nf.Name} ({nf.JsonPath})", sliceAddresses));
            encoder.Encode();
            _functions[n.Name] = encoder;
        }
        NegatedInvariant();
    }

    private void BaseAxioms()
    {
        var x = new Var("x", _v.NodeSort.Sort);
        var y = new Var("y", _v.NodeSort.Sort);
        var p = new Var("p", _v.Packet.Sort);
        var t = new Var("t", Sort.Int);
        var send = _q.Send.Apply(x, y, p, t);
        var recv = _q.Recv.Apply(x, y, p, t);
        var st = _q.SendTime.Apply(x, y, p, t);
        var src = _v.Field(p, PacketField.Src);
        var dst = _v.Field(p, PacketField.Dst);
        Script.Assert(Forall([x, y, p, t], Implies(send, And(Distinct(x.Term, y.Term), Gt(t, 0), Distinct(src, dst))), [[send]], "send-base"), "send-base");
        Script.Assert(Forall([x, y, p, t], Implies(recv, And(Distinct(x.Term, y.Term), Gt(t, 0), Lt(0, st), Lt(st, t), _q.Send.Apply(x, y, p, st))), [[recv]], "recv-causality"), "recv-causality");
    }

    // Hosts send only packets they originate, from their own address (one axiom over isHost/hostAddress facts).
    private void HostAxioms()
    {
        var hosts = _endpoints.Where(n => n.Kind == NodeKind.Host).ToList();
        if (hosts.Count == 0) return;
        var isHost = Script.DeclareFun("isHost", [_v.NodeSort.Sort], Sort.Bool);
        var hostAddress = Script.DeclareFun("hostAddress", [_v.NodeSort.Sort], _v.AddressSort.Sort);
        foreach (var n in _endpoints)
        {
            Script.Assert(n.Kind == NodeKind.Host ? isHost.Apply(Node(n.Name)) : Not(isHost.Apply(Node(n.Name))));
            if (n.Kind != NodeKind.Host) continue;
            if (n.Addresses.Count != 1) throw new EncodingException($"host {n.Name} needs exactly one address");
            Script.Assert(Eq(hostAddress.Apply(Node(n.Name)), _v.Address(n.Addresses[0])));
        }
        var x = new Var("x", _v.NodeSort.Sort);
        var y = new Var("y", _v.NodeSort.Sort);
        var p = new Var("p", _v.Packet.Sort);
        var t = new Var("t", Sort.Int);
        var send = _q.Send.Apply(x, y, p, t);
        Script.Assert(Forall([x, y, p, t], Implies(And(send, isHost.Apply(x)),
            And(Eq(_v.Field(p, PacketField.Src), hostAddress.Apply(x)), Eq(_v.Field(p, PacketField.Origin), x))), [[send]], "host-origin"), "host-origin");
    }

    private void UpAxioms(string node)
    {
        var y = new Var("y", _v.NodeSort.Sort);
        var p = new Var("p", _v.Packet.Sort);
        var t = new Var("t", Sort.Int);
        var send = _q.Send.Apply(Node(node), y, p, t);
        var recv = _q.Recv.Apply(y, Node(node), p, t);
        Script.Assert(Forall([y, p, t], Implies(send, Not(_q.FailedAt(node, t))), [[send]], $"up.{node}.send"), $"up.{node}.send");
        Script.Assert(Forall([y, p, t], Implies(recv, Not(_q.FailedAt(node, t))), [[recv]], $"up.{node}.recv"), $"up.{node}.recv");
    }

    // send(x, y, p, t) => y is the next hop for p's destination class under the failures at t. Endpoints with the
    // same table (typically every host of a rack) share one axiom, selected by a routeTable(x) fact; classes with the
    // same hops share one case, and when every class has the same hops the destination is not tested at all.
    private void RoutingAxioms()
    {
        var tf = _network.Transfer;
        var inSlice = _endpoints.Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        var addresses = _v.Addresses.ToHashSet();
        // The classes of the slice's addresses, in class order (ids are positions in tf.Classes).
        var classes = addresses.Select(tf.ClassOf).OfType<DestinationClass>().DistinctBy(c => c.Id).OrderBy(c => c.Id).ToList();
        var classOf = Script.DeclareFun("classOf", [_v.AddressSort.Sort], Sort.Int);
        foreach (var c in classes)
            foreach (var a in c.Addresses.Where(addresses.Contains)) Script.Assert(Eq(classOf.Apply(_v.Address(a)), c.Id));
        var tables = new Dictionary<string, (int Id, List<(List<int> Classes, List<Hop> Hops)> Cases)>(StringComparer.Ordinal);
        var routeTable = Script.DeclareFun("routeTable", [_v.NodeSort.Sort], Sort.Int);
        foreach (var node in _endpoints)
        {
            var byHops = new Dictionary<string, (List<int> Classes, List<Hop> Hops)>(StringComparer.Ordinal);
            foreach (var c in classes)
            {
                var hops = tf.Hops(node.Name, c).Where(h => h.Next is not null && h.Next != node.Name && inSlice.Contains(h.Next)).ToList();
                if (hops.Count == 0) continue;
                var key = string.Join("|", hops.Select(h => h.When + ">" + h.Next));
                if (!byHops.TryGetValue(key, out var entry)) byHops[key] = entry = ([], hops);
                entry.Classes.Add(c.Id);
            }
            var tableKey = string.Join(";", byHops.Select(kv => string.Join(",", kv.Value.Classes) + ":" + kv.Key));
            if (!tables.TryGetValue(tableKey, out var table)) tables[tableKey] = table = (tables.Count, [.. byHops.Values]);
            Script.Assert(Eq(routeTable.Apply(Node(node.Name)), table.Id));
        }
        foreach (var (id, cases) in tables.Values)
        {
            var x = new Var("x", _v.NodeSort.Sort);
            var y = new Var("y", _v.NodeSort.Sort);
            var p = new Var("p", _v.Packet.Sort);
            var t = new Var("t", Sort.Int);
            var send = _q.Send.Apply(x, y, p, t);
            var options = cases.Select(c =>
            {
                var next = Or(c.Hops.Select(h => And(_q.Holds(h.When, t), Eq(y, Node(h.Next!)))).ToList());
                return c.Classes.Count == classes.Count ? next : And(Or(c.Classes.Select(k => Eq(classOf.Apply(_v.Field(p, PacketField.Dst)), k)).ToList()), next);
            }).ToList();
            Script.Assert(Forall([x, y, p, t], Implies(And(send, Eq(routeTable.Apply(x), id)), Or(options)), [[send]], $"route.{id}"), $"route.{id}");
        }
    }

    // ---- invariants (4.5.3) -----------------------------------------------------------------------------

    private void NegatedInvariant()
    {
        var to = _network.Resolve(_invariant.To).Where(n => n.IsEndpoint).ToList();
        if (to.Count == 0) throw new EncodingException($"invariant '{_invariant.Name}': '{_invariant.To}' has no hosts");
        var receivers = to.Where(n => _v.HasNode(n.Name)).ToList();
        var peer = Script.DeclareConst("violation.from", _v.NodeSort.Sort);
        var receiver = Script.DeclareConst("violation.to", _v.NodeSort.Sort);
        var packet = Script.DeclareConst("violation.packet", _v.Packet.Sort);
        var time = Script.DeclareConst("violation.time", Sort.Int);
        var parts = new List<Term>
        {
            _q.Recv.Apply(peer, receiver, packet, time),
            Or(receivers.Select(n => Eq(receiver, Node(n.Name))).ToList()),
        };
        switch (_invariant.Kind)
        {
            case InvariantKinds.DataIsolation:
            {
                var origins = _network.Resolve(_invariant.From).Where(n => n.IsEndpoint && _v.HasNode(n.Name)).ToList();
                parts.Add(Or(origins.Select(n => Eq(_v.Field(packet, PacketField.Origin), Node(n.Name))).ToList()));
                break;
            }
            case InvariantKinds.FlowIsolation:
            {
                parts.Add(FromSource(packet));
                // ... and the receiver never sent a packet of that connection before.
                var z = new Var("z", _v.NodeSort.Sort);
                var p1 = new Var("p1", _v.Packet.Sort);
                var t1 = new Var("t1", Sort.Int);
                var send = _q.Send.Apply(receiver, z, p1, t1);
                parts.Add(Forall([z, p1, t1], Implies(And(send, Lt(t1, time)), Not(Eq(_v.Canonical(FlowOfPacket(p1)), _v.Canonical(FlowOfPacket(packet))))), [[send]], "flow-not-opened"));
                break;
            }
            case InvariantKinds.Traversal:
            {
                parts.Add(FromSource(packet));
                parts.Add(Bypass(peer, receiver, packet, time));
                break;
            }
            case InvariantKinds.Pipeline:
            {
                parts.Add(FromSource(packet));
                parts.Add(PipelineEncoding.OutOfOrder(_v, _q, _endpoints, _invariant.Stages, peer, receiver, packet, time));
                break;
            }
            default:
                parts.Add(FromSource(packet));
                break;
        }
        Script.Assert(And(parts), "negated-invariant");
    }

    private Term FlowOfPacket(Term p) => _v.FlowOf(_v.Field(p, PacketField.Src), _v.Field(p, PacketField.Dst),
        _v.Field(p, PacketField.SrcPort), _v.Field(p, PacketField.DstPort), _v.Field(p, PacketField.Proto));

    private Term FromSource(Term packet)
    {
        var from = _network.Group(_invariant.From) is { } g
            ? new AddressSym(g.Prefixes.Select(p => ((ulong)p.Network.Value, p.Network.Value + p.Size)).ToList(), g.Name)
            : new AddressSym(_network.Resolve(_invariant.From).SelectMany(n => n.Addresses).Select(a => ((ulong)a.Value, a.Value + 1UL)).ToList(), _invariant.From);
        if (from.Ranges.Count == 0) throw new EncodingException($"invariant '{_invariant.Name}': '{_invariant.From}' has no addresses");
        return _v.InAddressSet(_v.Field(packet, PacketField.Src), from);
    }

    // Traversal (pipeline invariant): the violating packet's causal chain back to the host that sent it passes none of
    // the required NFs. bypass.r marks a receive event on the chain, bypass.s a send event.
    private Term Bypass(Term peer, Term receiver, Term packet, Term time)
    {
        var through = _invariant.Through.ToHashSet(StringComparer.Ordinal);
        var ev = new[] { _v.NodeSort.Sort, _v.NodeSort.Sort, _v.Packet.Sort, Sort.Int };
        var bypassR = Script.DeclareFun("bypass.r", ev, Sort.Bool);
        var bypassS = Script.DeclareFun("bypass.s", [_v.NodeSort.Sort, _v.Packet.Sort, Sort.Int], Sort.Bool);
        var y = new Var("y", _v.NodeSort.Sort);
        var d = new Var("d", _v.NodeSort.Sort);
        var p = new Var("p", _v.Packet.Sort);
        var t = new Var("t", Sort.Int);
        var r = bypassR.Apply(y, d, p, t);
        Script.Assert(Forall([y, d, p, t], Implies(r, bypassS.Apply(y, p, _q.SendTime.Apply(y, d, p, t))), [[r]], "bypass.recv"), "bypass.recv");
        var x = new Var("x", _v.NodeSort.Sort);
        var s = bypassS.Apply(x, p, t);
        var required = _endpoints.Where(n => through.Contains(n.Name)).Select(n => Eq(x, Node(n.Name))).ToList();
        var functions = _endpoints.Where(n => n.Kind == NodeKind.Function).Select(n => Eq(x, Node(n.Name))).ToList();
        var cause = bypassR.Apply(_q.CauseFrom.Apply(x, p, t), x, _q.CausePacket.Apply(x, p, t), _q.CauseTime.Apply(x, p, t));
        Script.Assert(Forall([x, p, t], Implies(s, And(Not(Or(required)), Implies(Or(functions), cause))), [[s]], "bypass.send"), "bypass.send");
        return bypassR.Apply(peer, receiver, packet, time);
    }

    // ---- counterexamples ---------------------------------------------------------------------------------

    /// <summary>Reads the counterexample: failures, then from the violating receive back along <c>sendTime</c> and the
    /// NFs' causes to the host that sent the packet, with the oracles' answers at each NF on the way.</summary>
    public CounterexampleTrace ReadTrace(SmtModel model)
    {
        var failed = new List<string>();
        var events = new List<TraceEvent>();
        foreach (var (node, _) in _q.Down)
        {
            if (Evaluate(model, $"down.{node}.from") is not IntValue from || Evaluate(model, $"down.{node}.to") is not IntValue to || from.Value >= to.Value) continue;
            failed.Add(node);
            events.Add(new TraceEvent((long)BigIntegerMax(from.Value, 0), TraceEventKind.Failure, node, node, null, $"{node} fails"));
            events.Add(new TraceEvent((long)to.Value, TraceEventKind.Recovery, node, node, null, $"{node} is back up (learned state lost)"));
        }
        string? note = null;
        try
        {
            var from = model.Constant("violation.from");
            var to = model.Constant("violation.to");
            var packet = model.Constant("violation.packet");
            var time = model.Constant("violation.time");
            Chain(model, events, from, to, packet, time, depth: 0);
        }
        catch (Exception e) when (e is ModelEvaluationException or InvalidCastException)
        {
            note = "trace incomplete: " + e.Message;
        }
        events.Sort((a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : a.Kind.CompareTo(b.Kind));
        return new CounterexampleTrace(failed, events, note);
    }

    // The receive, the send before it and, through NFs, back to the host that sent the packet; at each NF its oracles'
    // answers and, for state it found present, the earlier receive that put it there (and that packet's own chain).
    private void Chain(SmtModel model, List<TraceEvent> events, SmtValue from, SmtValue to, SmtValue packet, SmtValue time, int depth)
    {
        var seen = new HashSet<(string, string, long)>();
        foreach (var e in events) if (e.Kind == TraceEventKind.Receive) seen.Add((e.To, e.Packet!.ToString(), e.Time));
        for (int step = 0; step < 64; step++)
        {
            var receive = Event(TraceEventKind.Receive, from, to, packet, time);
            if (!seen.Add((receive.To, receive.Packet!.ToString(), receive.Time))) return;
            events.Add(receive);
            var receiverName = Name(to);
            if (_functions.TryGetValue(receiverName, out var nf))
            {
                events.AddRange(OracleAnswers(model, nf, receiverName, packet, time));
                if (depth < 3) StateEvents(model, events, nf, receiverName, packet, time, depth);
            }
            var sentAt = model.Apply("sendTime", from, to, packet, time);
            events.Add(Event(TraceEventKind.Send, from, to, packet, sentAt));
            var sender = Name(from);
            if (!_functions.ContainsKey(sender)) return;
            to = from;
            from = model.Apply("cause.from", to, packet, sentAt);
            var cause = model.Apply("cause.pkt", to, packet, sentAt);
            time = model.Apply("cause.time", to, packet, sentAt);
            packet = cause;
        }
    }

    private void StateEvents(SmtModel model, List<TraceEvent> events, FunctionEncoder nf, string node, SmtValue packet, SmtValue time, int depth)
    {
        var bindings = new Dictionary<string, SmtValue>(StringComparer.Ordinal) { ["trace.p"] = packet, ["trace.t"] = time };
        foreach (var read in nf.TraceReads())
        {
            try
            {
                var key = model.Evaluate(read.Key, bindings);
                if (model.Apply(read.Member.Name, key, time) is not BoolValue { Value: true }) continue;
                var wFrom = model.Apply(read.WitnessFrom.Name, key, time);
                var wPacket = model.Apply(read.WitnessPacket.Name, key, time);
                var wTime = model.Apply(read.WitnessTime.Name, key, time);
                events.Add(new TraceEvent((long)((IntValue)time).Value, TraceEventKind.State, node, node, Packet(packet),
                    $"{read.Name} holds {Show(key)}, put when it received the packet at t={wTime}"));
                Chain(model, events, wFrom, NodeValue(node), wPacket, wTime, depth + 1);
            }
            catch (Exception e) when (e is ModelEvaluationException or InvalidCastException or FormatException) { /* not explainable from the model */ }
        }
    }

    private static SmtValue NodeValue(string name) => new DatatypeValue(Vocabulary.NodeValueName(name), []);

    private static string Show(SmtValue v) => v switch
    {
        DatatypeValue { Constructor: "flow", Fields.Count: 5 } f => $"flow {Name(f.Fields[0])}:{f.Fields[2]} <-> {Name(f.Fields[1])}:{f.Fields[3]} proto {f.Fields[4]}",
        DatatypeValue { Fields.Count: 0 } d => Name(d),
        DatatypeValue d => "(" + string.Join(", ", d.Fields.Select(Show)) + ")",
        _ => v.ToString(),
    };

    private static System.Numerics.BigInteger BigIntegerMax(System.Numerics.BigInteger a, int b) => a < b ? b : a;

    private static SmtValue? Evaluate(SmtModel model, string constant)
    {
        try { return model.Constant(constant); }
        catch (ModelEvaluationException) { return null; }
    }

    private static IEnumerable<TraceEvent> OracleAnswers(SmtModel model, FunctionEncoder nf, string node, SmtValue packet, SmtValue time)
    {
        var list = new List<TraceEvent>();
        foreach (var unit in nf.Units)
            foreach (var (oracle, fun) in unit.Oracles)
            {
                if (oracle.ParameterTypes.Count != 1 || !oracle.ParameterTypes[0].Equals(VmnType.Packet)) continue;
                try
                {
                    var answer = model.Apply(fun.Name, packet);
                    list.Add(new TraceEvent((long)((IntValue)time).Value, TraceEventKind.Oracle, node, node, Packet(packet), $"{fun.Name}(packet) = {answer}"));
                }
                catch (ModelEvaluationException) { /* the solver left it unconstrained: any answer */ }
            }
        return list;
    }

    private static TraceEvent Event(TraceEventKind kind, SmtValue from, SmtValue to, SmtValue packet, SmtValue time) =>
        new((long)((IntValue)time).Value, kind, Name(from), Name(to), Packet(packet));

    private static TracePacket Packet(SmtValue v)
    {
        if (v is not DatatypeValue { Fields.Count: 8 } p) return new TracePacket(v.ToString(), "?", "?", "");
        return new TracePacket(Name(p.Fields[0]), Name(p.Fields[1]), Name(p.Fields[5]),
            $"ports {p.Fields[2]}->{p.Fields[3]}, proto {p.Fields[4]}, body {p.Fields[6]}, seq {p.Fields[7]}");
    }

    // n.web1 -> web1, a.10.0.0.1 -> 10.0.0.1
    private static string Name(SmtValue v) => v is DatatypeValue { Fields.Count: 0 } d && d.Constructor.Length > 2 && d.Constructor[1] == '.'
        ? d.Constructor[2..] : v.ToString();
}
