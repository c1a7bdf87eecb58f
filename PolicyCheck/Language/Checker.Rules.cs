using Switchboard.PolicyCheck.Language.Syntax;

namespace Switchboard.PolicyCheck.Language;

// Rules and their statements. Statements are executed in order; the checker folds them into the
// normal form of Ast.cs (locals inlined, header writes substituted, state updates collected).
internal sealed partial class Checker
{
    private sealed class RuleContext(Scope scope)
    {
        public Scope Scope { get; } = scope;
        public Dictionary<string, Expr> Locals { get; } = new(StringComparer.Ordinal);
        public List<FieldOverride> Overrides { get; } = [];
        public HashSet<StateVar> Updated { get; } = [];
        public List<StateAction> Actions { get; } = [];
        public List<LambdaVar> Lambdas { get; } = [];

        public PacketExpr Packet(SourceSpan span) => new(Overrides.ToArray(), span);
    }

    private Rule CheckRule(RuleSyntax r, int index, Scope scope)
    {
        var ctx = new RuleContext(scope);
        Expr? guard = null;
        if (r.Guard != null)
        {
            guard = CheckExpr(r.Guard, ctx);
            ExpectType(guard, VmnType.Bool, "a rule's guard");
        }
        var actions = ctx.Actions;
        foreach (var stmt in r.Body) CheckStatement(stmt, ctx, actions);

        var packets = new List<Expr>();
        if (r.Forward != null)
        {
            var arg = CheckExpr(r.Forward, ctx);
            if (arg is PacketSetExpr set) packets.AddRange(set.Packets);
            else if (arg.Type.Equals(VmnType.Packet))
                diagnostics.Report(arg.Span, "type mismatch: forward(...) takes a set of packets; write forward(Seq(p))");
            else if (!arg.Type.IsError)
                diagnostics.Report(arg.Span, $"type mismatch: forward(...) takes a set of packets (Seq(p) or Empty), found {arg.Type}");
        }
        return new Rule(index, guard, actions, ctx.Overrides.ToArray(), new Forward(packets, r.Forward?.Span ?? r.Span), r.Span);
    }

    private void CheckStatement(StmtSyntax stmt, RuleContext ctx, List<StateAction> actions)
    {
        switch (stmt)
        {
            case AssignSyntax { Target: NameSyntax n } a:
                AssignLocal(n.Name, n.Span, CheckExpr(a.Value, ctx), ctx);
                break;
            case AssignSyntax { Target: TupleSyntax t } a when t.Items.All(i => i is NameSyntax):
            {
                var value = CheckExpr(a.Value, ctx);
                if (value.Type is TupleType tt && tt.Elements.Count == t.Items.Count)
                {
                    for (int i = 0; i < t.Items.Count; i++)
                    {
                        var name = (NameSyntax)t.Items[i];
                        var item = value is TupleExpr te ? te.Items[i] : new TupleGet(value, i, tt.Elements[i], value.Span);
                        AssignLocal(name.Name, name.Span, item, ctx);
                    }
                }
                else
                {
                    if (!value.Type.IsError)
                        diagnostics.Report(a.Value.Span, $"type mismatch: cannot unpack {value.Type} into {t.Items.Count} names");
                    foreach (NameSyntax name in t.Items) AssignLocal(name.Name, name.Span, new ErrorExpr(name.Span), ctx);
                }
                break;
            }
            case AssignSyntax { Target: MemberSyntax m } a:
            {
                var value = CheckExpr(a.Value, ctx);
                if (m.Target is not NameSyntax pn || pn.Name != ctx.Scope.PacketName || ctx.Locals.ContainsKey(pn.Name))
                {
                    diagnostics.Report(m.Span, $"cannot assign to '{m.Name}': only packet header fields can be assigned, e.g. {ctx.Scope.PacketName ?? "p"}.dst = ...");
                    break;
                }
                if (!PacketFields.ByName.TryGetValue(m.Name, out var field))
                {
                    diagnostics.Report(m.NameSpan, $"unknown packet field '{m.Name}'{Suggest(m.Name, PacketFields.ByName.Keys)}");
                    break;
                }
                var type = PacketFields.TypeOf(field);
                if (!VmnTypes.Fits(value.Type, type))
                    diagnostics.Report(a.Value.Span, $"type mismatch: packet field '{m.Name}' has type {type}, found {value.Type}");
                ctx.Overrides.RemoveAll(o => o.Field == field);
                ctx.Overrides.Add(new FieldOverride(field, Bounded(value, a.Span)));
                break;
            }
            case AssignSyntax { Target: IndexSyntax or CallSyntax } a:
            {
                var (targetSyntax, args) = a.Target switch
                {
                    IndexSyntax x => (x.Target, x.Args),
                    CallSyntax c => (c.Callee, c.Args),
                    _ => throw new InvalidOperationException(),
                };
                if (targetSyntax is not NameSyntax n)
                {
                    diagnostics.Report(a.Span, "cannot assign to this expression; update a map with m[k] = v");
                    break;
                }
                var state = StateTarget(n, ctx, "m[k] = v");
                var key = CheckArgument(args, ctx, a.Target.Span);
                var value = CheckExpr(a.Value, ctx);
                if (state == null) break;
                if (state.Type is MapType mt)
                {
                    if (!VmnTypes.Fits(key.Type, mt.Key))
                        diagnostics.Report(key.Span, $"type mismatch: key of '{state.Name}' has type {mt.Key}, found {key.Type}");
                    if (!VmnTypes.Fits(value.Type, mt.Value))
                        diagnostics.Report(a.Value.Span, $"type mismatch: values of '{state.Name}' have type {mt.Value}, found {value.Type}");
                    actions.Add(new MapPut(state, key, value, a.Span));
                    ctx.Updated.Add(state);
                }
                else if (state.Type is SetType)
                {
                    diagnostics.Report(n.Span, $"'{state.Name}' is a Set; add elements with {state.Name}.add(v) or {state.Name} += v");
                }
                break;
            }
            case AssignSyntax a:
                CheckExpr(a.Value, ctx);
                diagnostics.Report(a.Span, "cannot assign to this expression");
                break;
            case CompoundAssignSyntax c:
            {
                var value = CheckExpr(c.Value, ctx);
                if (c.Target is not NameSyntax n)
                {
                    diagnostics.Report(c.Span, $"'{(c.IsAdd ? "+=" : "-=")}' needs a state variable on its left");
                    break;
                }
                var state = StateTarget(n, ctx, c.IsAdd ? "s += v" : "s -= v");
                if (state != null) Update(state, c.IsAdd ? "add" : "remove", value, null, c.Span, ctx, actions);
                break;
            }
            case ExprStmtSyntax { Expr: CallSyntax { Callee: MemberSyntax { Target: NameSyntax n, Name: "add" or "remove" or "put" } m } call } e:
            {
                var state = StateTarget(n, ctx, $"{n.Name}.{m.Name}(...)");
                Expr? value = null;
                Expr element;
                if (m.Name == "put")
                {
                    if (call.Args.Count != 2)
                    {
                        diagnostics.Report(m.Span, $"wrong number of arguments: put takes 2 (key, value), got {call.Args.Count}");
                        break;
                    }
                    element = CheckExpr(call.Args[0], ctx);
                    value = CheckExpr(call.Args[1], ctx);
                }
                else
                {
                    element = CheckArgument(call.Args, ctx, call.Span);
                }
                if (state != null) Update(state, m.Name, element, value, e.Span, ctx, actions);
                break;
            }
            case ExprStmtSyntax e:
                CheckExpr(e.Expr, ctx);
                diagnostics.Report(e.Span, "this expression has no effect; a rule body holds updates (s.add(x), m[k] = v, p.dst = e, x = e) and ends with forward(...)");
                break;
        }
    }

    private void Update(StateVar state, string op, Expr element, Expr? value, SourceSpan span, RuleContext ctx, List<StateAction> actions)
    {
        switch (state.Type, op)
        {
            case (SetType st, "add" or "remove"):
                if (!VmnTypes.Fits(element.Type, st.Element))
                    diagnostics.Report(element.Span, $"type mismatch: elements of '{state.Name}' have type {st.Element}, found {element.Type}");
                actions.Add(op == "add" ? new SetAdd(state, element, span) : new SetRemove(state, element, span));
                break;
            case (MapType mt, "remove"):
                if (!VmnTypes.Fits(element.Type, mt.Key))
                    diagnostics.Report(element.Span, $"type mismatch: key of '{state.Name}' has type {mt.Key}, found {element.Type}");
                actions.Add(new MapRemove(state, element, span));
                break;
            case (MapType mt, "put"):
                if (!VmnTypes.Fits(element.Type, mt.Key))
                    diagnostics.Report(element.Span, $"type mismatch: key of '{state.Name}' has type {mt.Key}, found {element.Type}");
                if (!VmnTypes.Fits(value!.Type, mt.Value))
                    diagnostics.Report(value.Span, $"type mismatch: values of '{state.Name}' have type {mt.Value}, found {value.Type}");
                actions.Add(new MapPut(state, element, value, span));
                break;
            case (MapType, "add"):
                diagnostics.Report(span, $"'{state.Name}' is a Map; set an entry with {state.Name}[k] = v");
                return;
            case (SetType, "put"):
                diagnostics.Report(span, $"'{state.Name}' is a Set; add elements with {state.Name}.add(v)");
                return;
            default:
                return; // erroneous state type, already reported
        }
        ctx.Updated.Add(state);
    }

    /// <summary>The state variable named by an update target, or null after reporting why it is not one.</summary>
    private StateVar? StateTarget(NameSyntax n, RuleContext ctx, string form)
    {
        var scope = ctx.Scope;
        if (scope.State.TryGetValue(n.Name, out var state)) return state;
        if (scope.Params.ContainsKey(n.Name))
            diagnostics.Report(n.Span, $"configuration parameter '{n.Name}' is read-only; only state can be updated");
        else if (scope.Oracles.ContainsKey(n.Name))
            diagnostics.Report(n.Span, $"'{n.Name}' is an oracle, not state; it cannot be updated");
        else if (ctx.Locals.ContainsKey(n.Name) || scope.Locals.ContainsKey(n.Name) || n.Name == scope.PacketName)
            diagnostics.Report(n.Span, $"'{n.Name}' is not state; only 'val {n.Name}: Set[..]' or 'Map[.., ..]' members can be updated with {form}");
        else
            diagnostics.Report(n.Span, $"undeclared state '{n.Name}'{Suggest(n.Name, scope.State.Keys)}");
        return null;
    }

    private void AssignLocal(string name, SourceSpan span, Expr value, RuleContext ctx)
    {
        var scope = ctx.Scope;
        if (name == scope.PacketName)
        {
            diagnostics.Report(span, $"cannot assign the whole packet '{name}'; assign its fields, e.g. {name}.dst = ...");
            return;
        }
        if (scope.Declared.TryGetValue(name, out var decl))
        {
            string why = scope.State.ContainsKey(name)
                ? $"cannot assign to state '{name}' as a whole; update it with {name}[k] = v, {name}.add(v) or {name} += v"
                : scope.Params.ContainsKey(name)
                    ? $"configuration parameter '{name}' is read-only"
                    : $"cannot assign to '{name}': it is {decl.Kind} declared at {decl.Span.Line}:{decl.Span.Column}";
            diagnostics.Report(span, why);
            return;
        }
        if (value.Type.Equals(VmnType.PacketSet))
        {
            diagnostics.Report(value.Span, $"local '{name}' cannot hold a packet set");
            return;
        }
        if (ctx.Locals.TryGetValue(name, out var previous) && !VmnTypes.Fits(value.Type, previous.Type))
            diagnostics.Report(value.Span, $"type mismatch: local '{name}' has type {previous.Type}, found {value.Type}");
        ctx.Locals[name] = Bounded(value, span);
    }

    private const int MaxInlinedSize = 5000;

    /// <summary>Inlining locals shares subtrees, so a few lines can describe an exponentially large
    /// tree (x = (y, y) repeated); later passes walk trees, so values beyond a size are refused.</summary>
    private Expr Bounded(Expr value, SourceSpan span)
    {
        var sizes = new Dictionary<Expr, long>(ReferenceEqualityComparer.Instance);
        long Size(Expr e)
        {
            if (sizes.TryGetValue(e, out long known)) return known;
            long total = 1;
            foreach (var c in ModelAnalysis.Children(e))
            {
                total += Size(c);
                if (total > MaxInlinedSize) break;
            }
            sizes[e] = total;
            return total;
        }
        if (Size(value) <= MaxInlinedSize) return value;
        diagnostics.Report(span, $"expression too large once locals are inlined (more than {MaxInlinedSize} nodes); simplify the model");
        return new ErrorExpr(span);
    }
}
