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

    private void EncodeState(ModelUnit unit, StateFunctions s)
    {
        var name = $"{unit.Prefix}.{s.Var.Name}";
        bool isMap = s.Value is not null;

        // if: an update on a packet received at t1 is visible to every packet received at t2 > t1 with no failure between.
        var y1 = new Var("y1", _v.NodeSort.Sort);
        var p1 = new Var("p1", _v.Packet.Sort);
        var t1 = new Var("t1", Sort.Int);
        var y2 = new Var("y2", _v.NodeSort.Sort);
        var p2 = new Var("p2", _v.Packet.Sort);
        var tt2 = new Var("t2", Sort.Int);
        var r1 = _q.Recv.Apply(y1, Node, p1, t1);
        var r2 = _q.Recv.Apply(y2, Node, p2, tt2);
        var (steps, _) = Process(p1, t1);
        var updates = Updates(steps, unit, s).ToList();
        if (updates.Count == 0) return; // never filled: always empty (the "only if" below makes it so)
        var visible = And(updates.Select(u => Implies(u.When, s.Member.Apply(u.Key, tt2))).ToList());
        _q.Script.Assert(Forall([y1, p1, t1, y2, p2, tt2],
            Implies(And(r1, r2, Lt(t1, tt2), _q.NoFailure(_node, t1, tt2)), visible), [[r1, r2]], $"state.{name}.if"), $"state.{name}.if");

        // only if: a present element was put by some earlier receive since the last failure (the witness).
        var x = new Var("x", _v.SortOf(s.KeyType));
        var t = new Var("t", Sort.Int);
        var member = s.Member.Apply(x, t);
        var wy = _q.Script.DeclareFun($"{name}.w.from", [x.Sort, Sort.Int], _v.NodeSort.Sort).Apply(x, t);
        var wp = _q.Script.DeclareFun($"{name}.w.pkt", [x.Sort, Sort.Int], _v.Packet.Sort).Apply(x, t);
        var wt = _q.Script.DeclareFun($"{name}.w.time", [x.Sort, Sort.Int], Sort.Int).Apply(x, t);
        var wpv = new Var("w.p", _v.Packet.Sort);
        var wtv = new Var("w.t", Sort.Int);
        var (wsteps, _) = Process(wpv, wtv);
        var justified = Or(Updates(wsteps, unit, s).Select(u =>
            And(u.When, Eq(u.Key, x), isMap ? Eq(s.Value!.Apply(x, t), u.Value!) : True)).ToList());
        var body = And(Lt(0, wtv), Lt(wtv, t), _q.Recv.Apply(wy, Node, wpv, wtv), _q.NoFailure(_node, wtv, t), justified);
        _q.Script.Assert(Forall([x, t], Implies(member, Let([("w.p", wp), ("w.t", wt)], body)), [[member]], $"state.{name}.onlyif"), $"state.{name}.onlyif");
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
