using Switchboard.PolicyCheck.Language;
using Switchboard.PolicyCheck.Network;
using Switchboard.PolicyCheck.Smt;
using static Switchboard.PolicyCheck.Smt.Terms;

namespace Switchboard.PolicyCheck.Verification.Encoding;

/// <summary>
/// Axioms for one NF instance from its model (4.5.4). The NF processes a packet when it receives it (time t):
/// <list type="bullet">
/// <item>send: whatever it sends at t2 was received at some t &lt; t2 (Skolem <c>cause.from/pkt/time</c>) with the NF up
/// from t to t2, and is one of the packets a rule that fires on it forwards (rewritten as the rule says);</item>
/// <item>state, for each Set/Map: an element is present at t iff a rule that adds it fired on a packet received
/// at some t1 &lt; t with no failure of the NF in between (a failure loses learned state). "Only if" picks a witness
/// (<c>S.w.*</c>), which also gives a Map's value (one of the values put since); "if" ranges over pairs of receives.</item>
/// </list>
/// A pipeline NF runs its stages in order on one receive (in reverse when its <c>reverse when</c> holds); each stage
/// has its own oracles and state.
/// </summary>
internal sealed class FunctionEncoder
{
    private readonly Vocabulary _v;
    private readonly QueryContext _q;
    private readonly string _node;
    private readonly List<ModelUnit> _units = [];
    private readonly PipelineDecl? _pipeline;
    private readonly IReadOnlyList<Sym>? _pipelineConfig;

    public FunctionEncoder(Vocabulary v, QueryContext q, FunctionInstance nf, object model, ConfigBinder binder)
    {
        _v = v;
        _q = q;
        _node = nf.Name;
        switch (model)
        {
            case ModelDecl m:
                _units.Add(new ModelUnit(v, nf.Name, m, binder.Bind(m.Parameters, nf.Config)));
                break;
            case PipelineDecl p:
                _pipeline = p;
                _pipelineConfig = binder.Bind(p.Parameters, nf.Config);
                var env = new ModelUnit(v, nf.Name + ".params", EmptyModel(p), _pipelineConfig);
                foreach (var stage in p.Stages)
                {
                    var args = stage.Args.Select(a => new ExprCompiler(v, env, True, Int(0)).Compile(a)).ToList();
                    _units.Add(new ModelUnit(v, $"{nf.Name}.{stage.Name}", stage.Model, args));
                }
                _units.Insert(0, env);
                break;
        }
        foreach (var u in _units)
            foreach (var rule in u.Model.Rules)
                if (rule.Actions.Any(a => a is SetRemove or MapRemove))
                    throw new EncodingException($"NF {nf.Name} ({u.Model.Name}, {rule.Span}): removing from state is not encoded (only add/put)");
    }

    private static ModelDecl EmptyModel(PipelineDecl p) => new(p.Name, p.Span, p.Parameters, [], [], "p", []);

    /// <summary>Units whose oracles a trace reports (pipeline stages, not the parameter holder).</summary>
    public IEnumerable<ModelUnit> Units => _pipeline is null ? _units : _units.Skip(1);

    private Term Node => _v.Node(_node);

    /// <summary>One unit's view of the received packet: its input packet and whether the packet reaches it.</summary>
    private sealed record Step(ModelUnit Unit, ExprCompiler Compiler, Term Reached);

    /// <summary>Every (unit, input, reached) for a packet received at <paramref name="t"/>, and the packets sent out
    /// with their conditions.</summary>
    private (List<Step> Steps, List<(Term When, Term Packet)> Outputs) Process(Term p, Term t)
    {
        if (_pipeline is null)
        {
            var u = _units[0];
            var c = new ExprCompiler(_v, u, p, t);
            var outputs = new List<(Term, Term)>();
            for (int i = 0; i < u.Model.Rules.Count; i++)
            {
                var rule = u.Model.Rules[i];
                if (rule.Forward.Drops) continue;
                var fire = c.Bool(u.Model.FiringCondition(i));
                foreach (var pkt in rule.Forward.Packets) outputs.Add((fire, c.Packet((PacketExpr)pkt)));
            }
            return ([new Step(u, c, True)], outputs);
        }
        var env = new ExprCompiler(_v, _units[0], p, t);
        var reverse = _pipeline.ReverseWhen is { } rw ? env.Bool(rw) : False;
        var stages = _units.Skip(1).ToList();
        var steps = new List<Step>();
        var outs = new List<(Term, Term)>();
        foreach (var (order, direction) in new[] { (stages, Not(reverse)), (Enumerable.Reverse(stages).ToList(), reverse) })
        {
            if (ReferenceEquals(direction, False)) continue;
            Term input = p, reached = direction;
            foreach (var u in order)
            {
                var c = new ExprCompiler(_v, u, input, t);
                steps.Add(new Step(u, c, reached));
                var (passes, output) = Compose(u, c, input);
                reached = And(reached, passes);
                input = output;
            }
            outs.Add((reached, input));
        }
        return (steps, outs);
    }

    // A stage's verdict on its input: whether it forwards, and the packet it forwards.
    private static (Term Passes, Term Output) Compose(ModelUnit u, ExprCompiler c, Term input)
    {
        var rules = u.Model.Rules;
        var forwarding = new List<(Term Fire, Term Packet)>();
        for (int i = 0; i < rules.Count; i++)
        {
            if (rules[i].Forward.Drops) continue;
            if (rules[i].Forward.Packets.Count != 1)
                throw new EncodingException($"pipeline stage {u.Prefix} ({u.Model.Name}, {rules[i].Span}): a stage must forward at most one packet per rule");
            forwarding.Add((c.Bool(u.Model.FiringCondition(i)), c.Packet((PacketExpr)rules[i].Forward.Packets[0])));
        }
        if (forwarding.Count == 0) return (False, input);
        var passes = Or(forwarding.Select(f => f.Fire).ToList());
        if (forwarding.All(f => ReferenceEquals(f.Packet, input))) return (passes, input);
        var output = forwarding[^1].Packet;
        for (int i = forwarding.Count - 2; i >= 0; i--) output = Ite(forwarding[i].Fire, forwarding[i].Packet, output);
        return (passes, output);
    }

    public void Encode()
    {
        EncodeSends();
        foreach (var u in _units)
            foreach (var s in u.State.Values)
                EncodeState(u, s);
    }

    private void EncodeSends()
    {
        var z = new Var("z", _v.NodeSort.Sort);
        var q = new Var("q", _v.Packet.Sort);
        var t2 = new Var("t2", Sort.Int);
        var send = _q.Send.Apply(Node, z, q, t2);
        var cy = new Var("c.y", _v.NodeSort.Sort);
        var cp = new Var("c.p", _v.Packet.Sort);
        var ct = new Var("c.t", Sort.Int);
        var (_, outputs) = Process(cp, ct);
        var body = And(Lt(0, ct), Lt(ct, t2), _q.Recv.Apply(cy, Node, cp, ct), _q.NoFailure(_node, ct, t2),
            Or(outputs.Select(o => And(o.When, Eq(q, o.Packet))).ToList()));
        var let = Let([("c.y", _q.CauseFrom.Apply(Node, q, t2)), ("c.p", _q.CausePacket.Apply(Node, q, t2)), ("c.t", _q.CauseTime.Apply(Node, q, t2))], body);
        _q.Script.Assert(Forall([z, q, t2], Implies(send, let), [[send]], $"nf.{_node}.send"), $"nf.{_node}.send");
    }

    // State is constrained where it is read: for every receive at the NF and every key the model reads there,
    // - only if: a present key was put by an earlier receive with no failure since (a witness, which also gives a
    //   Map's value: one of the values put since);
    // - if: when an earlier receive (no failure since) put the key that is read, the key is present.
    // State variables that the same rules update at the same key share their witness, so maps filled together read
    // back values of one and the same packet (a cache's content and its origin stay together).
    // Tying both directions to read keys (not to every update) keeps the solver from generating new state terms
    // for every pair of events, which made satisfiable queries with maps time out.
    private void EncodeState(ModelUnit unit, StateFunctions s)
    {
        var name = $"{unit.Prefix}.{s.Var.Name}";
        bool isMap = s.Value is not null;
        var keySort = _v.SortOf(s.KeyType);
        var (wFrom, wPkt, wTime) = Witness(unit, s, keySort, name);

        var y2 = new Var("y2", _v.NodeSort.Sort);
        var p2 = new Var("p2", _v.Packet.Sort);
        var t2 = new Var("t2", Sort.Int);
        var r2 = _q.Recv.Apply(y2, Node, p2, t2);
        var (readSteps, _) = Process(p2, t2);
        var reads = Reads(readSteps, unit, s).DistinctBy(k => k.ToString()).ToList();
        if (reads.Count == 0) return; // never read: nothing to constrain

        var wpv = new Var("w.p", _v.Packet.Sort);
        var wtv = new Var("w.t", Sort.Int);
        var (wsteps, _) = Process(wpv, wtv);
        var witnessUpdates = Updates(wsteps, unit, s).ToList();
        var onlyIf = reads.Select(k =>
        {
            var justified = Or(witnessUpdates.Select(u => And(u.When, Eq(u.Key, k), isMap ? Eq(s.Value!.Apply(k, t2), u.Value!) : True)).ToList());
            var body = And(Lt(0, wtv), Lt(wtv, t2), _q.Recv.Apply(wFrom.Apply(k, t2), Node, wpv, wtv), _q.NoFailure(_node, wtv, t2), justified);
            return Implies(s.Member.Apply(k, t2), Let([("w.p", wPkt.Apply(k, t2)), ("w.t", wTime.Apply(k, t2))], body));
        }).ToList();
        _q.Script.Assert(Forall([y2, p2, t2], Implies(r2, And(onlyIf)), [[r2]], $"state.{name}.onlyif"), $"state.{name}.onlyif");

        var y1 = new Var("y1", _v.NodeSort.Sort);
        var p1 = new Var("p1", _v.Packet.Sort);
        var t1 = new Var("t1", Sort.Int);
        var r1 = _q.Recv.Apply(y1, Node, p1, t1);
        var (steps, _) = Process(p1, t1);
        var updates = Updates(steps, unit, s).ToList();
        if (updates.Count == 0) return; // never filled: the "only if" keeps it empty
        var visible = And(reads.SelectMany(k => updates.Select(u => Implies(And(u.When, Eq(u.Key, k)), s.Member.Apply(k, t2)))).ToList());
        _q.Script.Assert(Forall([y1, p1, t1, y2, p2, t2],
            Implies(And(r1, r2, Lt(t1, t2), _q.NoFailure(_node, t1, t2)), visible), [[r1, r2]], $"state.{name}.if"), $"state.{name}.if");
    }

    private readonly Dictionary<string, (FunDecl, FunDecl, FunDecl)> _witnesses = new(StringComparer.Ordinal);

    /// <summary>A state read for traces: the state's name, its membership function, the key (over the symbols
    /// <c>trace.p</c>/<c>trace.t</c>, the received packet and time) and the witness functions.</summary>
    public sealed record StateRead(string Name, FunDecl Member, Term Key, FunDecl WitnessFrom, FunDecl WitnessPacket, FunDecl WitnessTime);

    /// <summary>Every state read of this NF, for explaining a receive in a trace.</summary>
    public IReadOnlyList<StateRead> TraceReads()
    {
        var p = new Var("trace.p", _v.Packet.Sort);
        var t = new Var("trace.t", Sort.Int);
        var (steps, _) = Process(p, t);
        var result = new List<StateRead>();
        foreach (var u in _units)
            foreach (var s in u.State.Values)
            {
                var name = $"{u.Prefix}.{s.Var.Name}";
                var w = Witness(u, s, _v.SortOf(s.KeyType), name);
                foreach (var k in Reads(steps, u, s).DistinctBy(k => k.ToString()))
                    result.Add(new StateRead(name, s.Member, k, w.From, w.Pkt, w.Time));
            }
        return result;
    }

    private (FunDecl From, FunDecl Pkt, FunDecl Time) Witness(ModelUnit unit, StateFunctions s, Sort keySort, string name)
    {
        var signature = unit.Prefix + "|" + keySort.Name + "|" + string.Join(";", unit.Model.Rules.SelectMany(r => r.Actions.Where(a => a.State == s.Var)
            .Select(a => $"{r.Index}:{(a is MapPut m ? AstPrinter.Print(m.Key) : a is SetAdd add ? AstPrinter.Print(add.Element) : "")}")));
        if (_witnesses.TryGetValue(signature, out var w)) return w;
        w = (_q.Script.DeclareFun($"{name}.w.from", [keySort, Sort.Int], _v.NodeSort.Sort),
             _q.Script.DeclareFun($"{name}.w.pkt", [keySort, Sort.Int], _v.Packet.Sort),
             _q.Script.DeclareFun($"{name}.w.time", [keySort, Sort.Int], Sort.Int));
        _witnesses[signature] = w;
        return w;
    }

    // The (canonical) keys at which the unit reads state s while processing the received packet.
    private IEnumerable<Term> Reads(List<Step> steps, ModelUnit unit, StateFunctions s)
    {
        foreach (var step in steps.Where(st => st.Unit == unit))
            foreach (var rule in unit.Model.Rules)
                foreach (var e in RuleExpressions(rule))
                    foreach (var sub in Descendants(e))
                    {
                        var key = sub switch
                        {
                            Contains { Collection: StateRef r } c when r.State == s.Var => c.Element,
                            Lookup { Collection: StateRef r } l when r.State == s.Var => l.Key,
                            _ => null,
                        };
                        if (key is not null) yield return _v.CanonicalOf(step.Compiler.TermOf(key), s.KeyType);
                    }
    }

    private static IEnumerable<Expr> RuleExpressions(Rule rule)
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
        foreach (var p in rule.Forward.Packets) yield return p;
    }

    private static IEnumerable<Expr> Descendants(Expr e)
    {
        yield return e;
        foreach (var c in ModelAnalysis.Children(e))
            foreach (var d in Descendants(c))
                yield return d;
    }

    // Every way the received packet updates state s of unit: when (reached and the rule fires), the key and the value.
    private IEnumerable<(Term When, Term Key, Term? Value)> Updates(List<Step> steps, ModelUnit unit, StateFunctions s)
    {
        foreach (var step in steps.Where(st => st.Unit == unit))
        {
            var model = unit.Model;
            for (int i = 0; i < model.Rules.Count; i++)
            {
                foreach (var action in model.Rules[i].Actions.Where(a => a.State == s.Var))
                {
                    var fire = And(step.Reached, step.Compiler.Bool(model.FiringCondition(i)));
                    switch (action)
                    {
                        case SetAdd add:
                            yield return (fire, _v.CanonicalOf(step.Compiler.TermOf(add.Element), s.KeyType), null);
                            break;
                        case MapPut put:
                            yield return (fire, _v.CanonicalOf(step.Compiler.TermOf(put.Key), s.KeyType),
                                _v.ToTerm(step.Compiler.Compile(put.Value), s.ValueType!));
                            break;
                    }
                }
            }
        }
    }
}
