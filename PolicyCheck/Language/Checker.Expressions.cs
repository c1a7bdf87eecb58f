using Switchboard.PolicyCheck.Language.Syntax;

namespace Switchboard.PolicyCheck.Language;

// Expressions: names, built-in functions (flow, header functions, Seq), oracle calls, collection
// operations (contains, lookup, apply, index, findFirst), members, operators.
internal sealed partial class Checker
{
    private static readonly string[] BuiltinFunctions = ["flow", "Seq", "src", "dst", "src_port", "dst_port", "proto", "origin", "body"];

    private Expr CheckExpr(ExprSyntax s, RuleContext ctx) => s switch
    {
        IntSyntax i => new IntLit(i.Value, i.Span),
        BoolSyntax b => new BoolLit(b.Value, b.Span),
        NameSyntax n => CheckName(n, ctx, allowState: false),
        TupleSyntax t => MakeTuple(t.Items.Select(i => CheckExpr(i, ctx)).ToList(), t.Span),
        UnarySyntax u => CheckNot(u, ctx),
        BinarySyntax b => CheckBinary(b, ctx),
        MemberSyntax m => CheckMember(m, ctx),
        CallSyntax c => CheckCall(c, ctx),
        IndexSyntax x => Apply(CheckCollection(x.Target, ctx), x.Args, x.Span, ctx, "[...]"),
        LambdaSyntax l => Fail(l.Span, "a lambda 'x => ...' is only allowed as the argument of findFirst"),
        _ => Fail(s.Span, "unsupported expression"),
    };

    private ErrorExpr Fail(SourceSpan span, string message)
    {
        diagnostics.Report(span, message);
        return new ErrorExpr(span);
    }

    private static TupleExpr MakeTuple(List<Expr> items, SourceSpan span) =>
        new(items, new TupleType(items.Select(i => i.Type).ToList()), span);

    private Expr CheckCollection(ExprSyntax s, RuleContext ctx) =>
        s is NameSyntax n ? CheckName(n, ctx, allowState: true) : CheckExpr(s, ctx);

    /// <summary>True when the name denotes a value here (lambda variable, local, packet, parameter, state).</summary>
    private static bool IsValueName(string name, RuleContext ctx) =>
        ctx.Lambdas.Any(l => l.Name == name) || ctx.Locals.ContainsKey(name) || ctx.Scope.Locals.ContainsKey(name)
        || name == ctx.Scope.PacketName || ctx.Scope.Params.ContainsKey(name) || ctx.Scope.State.ContainsKey(name);

    private Expr CheckName(NameSyntax n, RuleContext ctx, bool allowState)
    {
        var scope = ctx.Scope;
        for (int i = ctx.Lambdas.Count - 1; i >= 0; i--)
            if (ctx.Lambdas[i].Name == n.Name) return new LambdaVarRef(ctx.Lambdas[i], n.Span);
        // Locals are inlined; the copy carries the use's place so errors point at the use.
        if (ctx.Locals.TryGetValue(n.Name, out var local)) return local with { Span = n.Span };
        if (scope.Locals.TryGetValue(n.Name, out var modelLocal)) return modelLocal with { Span = n.Span };
        if (n.Name == scope.PacketName) return ctx.Packet(n.Span);
        if (scope.Params.TryGetValue(n.Name, out var param)) return new ParamRef(param, n.Span);
        if (scope.State.TryGetValue(n.Name, out var state))
        {
            if (!allowState)
                return Fail(n.Span, $"state '{n.Name}' can only be read through {n.Name}.contains(k), {n.Name}(k) or {n.Name}[k]");
            return new StateRef(state, n.Span);
        }
        if (scope.Oracles.ContainsKey(n.Name))
            return Fail(n.Span, $"oracle '{n.Name}' must be called, e.g. {n.Name}({scope.PacketName ?? "p"})");
        if (n.Name.Equals("empty", StringComparison.OrdinalIgnoreCase))
            return new PacketSetExpr([], n.Span);
        if (BuiltinFunctions.Contains(n.Name, StringComparer.OrdinalIgnoreCase) || n.Name == "forward")
            return Fail(n.Span, $"'{n.Name}' is a function; call it, e.g. {n.Name}({scope.PacketName ?? "p"})");
        var candidates = scope.AllNames.Concat(ctx.Locals.Keys).Concat(ctx.Lambdas.Select(l => l.Name)).Append("Empty");
        return Fail(n.Span, $"unknown identifier '{n.Name}'{Suggest(n.Name, candidates)}");
    }

    private Expr CheckNot(UnarySyntax u, RuleContext ctx)
    {
        var operand = CheckExpr(u.Operand, ctx);
        ExpectType(operand, VmnType.Bool, "the operand of '!'");
        return new Not(operand, u.Span);
    }

    private static Expr UnwrapOption(Expr e) =>
        e.Type is OptionType o ? new OptionGet(e, o.Element, e.Span) : e;

    private Expr CheckBinary(BinarySyntax b, RuleContext ctx)
    {
        var left = CheckExpr(b.Left, ctx);
        var right = CheckExpr(b.Right, ctx);
        string op = b.Op switch
        {
            TokenKind.AndAnd => "&&", TokenKind.OrOr => "||", TokenKind.Eq => "==", TokenKind.NotEq => "!=",
            TokenKind.Less => "<", TokenKind.LessEq => "<=", TokenKind.Greater => ">", _ => ">=",
        };
        var kind = b.Op switch
        {
            TokenKind.AndAnd => BinaryOp.And, TokenKind.OrOr => BinaryOp.Or, TokenKind.Eq => BinaryOp.Eq,
            TokenKind.NotEq => BinaryOp.NotEq, TokenKind.Less => BinaryOp.Less, TokenKind.LessEq => BinaryOp.LessEq,
            TokenKind.Greater => BinaryOp.Greater, _ => BinaryOp.GreaterEq,
        };
        if (kind is BinaryOp.And or BinaryOp.Or)
        {
            ExpectType(left, VmnType.Bool, $"the left operand of '{op}'");
            ExpectType(right, VmnType.Bool, $"the right operand of '{op}'");
            return new Binary(kind, left, right, b.Span);
        }
        // An Option compared with a plain value means its defined value (listing 5: acl.conn == established(f)).
        if (left.Type is OptionType && right.Type is not OptionType) left = UnwrapOption(left);
        if (right.Type is OptionType && left.Type is not OptionType) right = UnwrapOption(right);
        if (kind is BinaryOp.Eq or BinaryOp.NotEq)
        {
            if (left.Type.Equals(VmnType.PacketSet) || right.Type.Equals(VmnType.PacketSet))
                return Fail(b.Span, $"type mismatch: packet sets cannot be compared with '{op}'");
            if (!VmnTypes.Fits(left.Type, right.Type))
                return Fail(b.Span, $"type mismatch: cannot compare {left.Type} with {right.Type} using '{op}'");
            return new Binary(kind, left, right, b.Span);
        }
        if (!VmnTypes.IsOrdered(left.Type) || !VmnTypes.IsOrdered(right.Type) || !VmnTypes.Fits(left.Type, right.Type))
            return Fail(b.Span, $"type mismatch: '{op}' compares two Int or two Address values, found {left.Type} and {right.Type}");
        return new Binary(kind, left, right, b.Span);
    }

    /// <summary>The single argument of a collection operation; several arguments form a tuple, as
    /// Scala's auto-tupling does (listing 10: acls.contains(p.src, p.dst)).</summary>
    private Expr CheckArgument(IReadOnlyList<ExprSyntax> args, RuleContext ctx, SourceSpan span)
    {
        if (args.Count == 0) return Fail(span, "expected an argument");
        var checkedArgs = args.Select(a => CheckExpr(a, ctx)).ToList();
        return checkedArgs.Count == 1 ? checkedArgs[0] : MakeTuple(checkedArgs, args[0].Span);
    }

    private PacketExpr? CheckPacketArgument(string function, IReadOnlyList<ExprSyntax> args, RuleContext ctx, SourceSpan span)
    {
        if (args.Count != 1)
        {
            diagnostics.Report(span, $"wrong number of arguments: {function} takes 1 (the packet), got {args.Count}");
            foreach (var a in args) CheckExpr(a, ctx);
            return null;
        }
        var e = CheckExpr(args[0], ctx);
        if (e is PacketExpr p) return p;
        if (!e.Type.IsError)
            diagnostics.Report(e.Span, $"type mismatch: {function} takes the packet ({ctx.Scope.PacketName ?? "p"}), found {e.Type}");
        return null;
    }

    private static Expr ReadField(PacketField field, PacketExpr packet, SourceSpan span) =>
        packet.Override(field) ?? new FieldRead(field, span);

    private Expr CheckCall(CallSyntax c, RuleContext ctx)
    {
        if (c.Callee is MemberSyntax m) return CheckMethod(m, c.Args, c.Span, ctx);
        if (c.Callee is not NameSyntax n) return Fail(c.Span, "this expression cannot be called");

        if (IsValueName(n.Name, ctx)) return Apply(CheckCollection(n, ctx), c.Args, c.Span, ctx, "(...)");
        if (ctx.Scope.Oracles.TryGetValue(n.Name, out var oracle)) return CheckOracleCall(oracle, n, c, ctx);
        if (n.Name == "forward") return Fail(n.Span, "forward(...) can only end a rule");
        if (n.Name.Equals("seq", StringComparison.OrdinalIgnoreCase))
        {
            var packets = new List<PacketExpr>();
            foreach (var a in c.Args)
            {
                var e = CheckExpr(a, ctx);
                if (e is PacketExpr p) packets.Add(p);
                else if (!e.Type.IsError) diagnostics.Report(e.Span, $"type mismatch: Seq(...) holds packets, found {e.Type}");
            }
            return new PacketSetExpr(packets, c.Span);
        }
        if (n.Name == "flow")
        {
            var p = CheckPacketArgument("flow", c.Args, ctx, c.Span);
            return p == null ? new ErrorExpr(c.Span) : new FlowOf(p, c.Span);
        }
        if (PacketFields.ByName.TryGetValue(n.Name, out var field))
        {
            var p = CheckPacketArgument(n.Name, c.Args, ctx, c.Span);
            return p == null ? new ErrorExpr(c.Span) : ReadField(field, p, c.Span);
        }
        foreach (var a in c.Args) if (a is not LambdaSyntax) CheckExpr(a, ctx);
        var candidates = ctx.Scope.Oracles.Keys.Concat(BuiltinFunctions).Concat(ctx.Scope.AllNames);
        return Fail(n.Span, $"unknown function '{n.Name}'{Suggest(n.Name, candidates)}");
    }

    private Expr CheckOracleCall(OracleDecl oracle, NameSyntax n, CallSyntax c, RuleContext ctx)
    {
        var args = c.Args.Select(a => CheckExpr(a, ctx)).ToList();
        if (args.Count != oracle.ParameterTypes.Count)
            return Fail(n.Span, $"wrong number of arguments: oracle '{oracle.Name}' takes {oracle.ParameterTypes.Count}, got {args.Count}");
        for (int i = 0; i < args.Count; i++)
            if (!VmnTypes.Fits(args[i].Type, oracle.ParameterTypes[i]))
                diagnostics.Report(args[i].Span, $"type mismatch: argument {i + 1} of oracle '{oracle.Name}' has type {oracle.ParameterTypes[i]}, found {args[i].Type}");
        return new OracleCall(oracle, args, c.Span);
    }

    /// <summary>x(k) or x[k] on a collection: Map lookup, Set membership (Scala's Set.apply), List index.</summary>
    private Expr Apply(Expr collection, IReadOnlyList<ExprSyntax> args, SourceSpan span, RuleContext ctx, string form)
    {
        var arg = CheckArgument(args, ctx, span);
        switch (collection.Type)
        {
            case MapType m:
                if (!VmnTypes.Fits(arg.Type, m.Key))
                    diagnostics.Report(arg.Span, $"type mismatch: key of {Describe(collection)} has type {m.Key}, found {arg.Type}");
                return ReadState(collection, arg, m.Value, span, ctx);
            case SetType s:
                if (!VmnTypes.Fits(arg.Type, s.Element))
                    diagnostics.Report(arg.Span, $"type mismatch: elements of {Describe(collection)} have type {s.Element}, found {arg.Type}");
                return ReadState(collection, arg, null, span, ctx);
            case ListType l:
                if (!VmnTypes.Fits(arg.Type, VmnType.Int))
                    diagnostics.Report(arg.Span, $"type mismatch: a List index must be Int, found {arg.Type}");
                return new Lookup(collection, arg, l.Element, span);
            default:
                if (collection.Type.IsError) return new ErrorExpr(span);
                return Fail(span, $"{Describe(collection)} of type {collection.Type} cannot be indexed with {form}");
        }
    }

    /// <summary>A read of a collection. Reads of state updated earlier in the same rule are resolved
    /// here (the normal form reads the state before the packet): the same key written earlier gives
    /// the written value (listing 9: assigned[flow(p)] = ...; p.dst = assigned[flow(p)]); any other
    /// key could alias and is rejected.</summary>
    private Expr ReadState(Expr collection, Expr key, VmnType? lookupType, SourceSpan span, RuleContext ctx)
    {
        if (collection is not StateRef sr || !ctx.Updated.Contains(sr.State))
            return lookupType == null ? new Contains(collection, key, span) : new Lookup(collection, key, lookupType, span);
        string k = AstPrinter.Print(key);
        for (int i = ctx.Actions.Count - 1; i >= 0; i--)
        {
            var action = ctx.Actions[i];
            if (action.State != sr.State) continue;
            var (written, present, value) = action switch
            {
                MapPut mp => (mp.Key, true, mp.Value),
                SetAdd sa => (sa.Element, true, (Expr?)null),
                SetRemove rs => (rs.Element, false, null),
                MapRemove mr => (mr.Key, false, null),
                _ => throw new InvalidOperationException(),
            };
            if (AstPrinter.Print(written) != k) break;
            if (lookupType == null) return new BoolLit(present, span);
            if (value != null) return value;
            return Fail(span, $"state '{sr.State.Name}' is read at a key this rule just removed");
        }
        return Fail(span, $"state '{sr.State.Name}' is read after being updated in the same rule at a key that may differ; read it before the update");
    }

    private static string Describe(Expr e) => e switch
    {
        StateRef s => $"state '{s.State.Name}'",
        ParamRef p => $"parameter '{p.Param.Name}'",
        _ => "this expression",
    };

    private Expr CheckMethod(MemberSyntax m, IReadOnlyList<ExprSyntax> args, SourceSpan span, RuleContext ctx)
    {
        switch (m.Name)
        {
            case "contains":
            {
                var collection = CheckCollection(m.Target, ctx);
                var arg = CheckArgument(args, ctx, span);
                VmnType? element = collection.Type switch
                {
                    SetType s => s.Element,
                    MapType mt => mt.Key,
                    ListType l => l.Element,
                    _ => null,
                };
                if (element == null)
                {
                    if (collection.Type.IsError) return new ErrorExpr(span);
                    return Fail(m.NameSpan, $"type mismatch: contains needs a Set, Map or List, found {collection.Type}");
                }
                if (!VmnTypes.Fits(arg.Type, element))
                    diagnostics.Report(arg.Span, $"type mismatch: {Describe(collection)} holds {element}, found {arg.Type}");
                return ReadState(collection, arg, null, span, ctx);
            }
            case "lookup":
            {
                var collection = CheckCollection(m.Target, ctx);
                if (collection.Type is not MapType && !collection.Type.IsError)
                    return Fail(m.NameSpan, $"type mismatch: lookup needs a Map, found {collection.Type}");
                return Apply(collection, args, span, ctx, ".lookup(...)");
            }
            case "findFirst":
            {
                var list = CheckExpr(m.Target, ctx);
                if (args.Count != 1 || args[0] is not LambdaSyntax lambda)
                    return Fail(m.NameSpan, "findFirst takes one predicate 'x => condition'");
                if (list.Type is not ListType lt)
                {
                    if (list.Type.IsError) return new ErrorExpr(span);
                    return Fail(m.NameSpan, $"type mismatch: findFirst needs a List, found {list.Type}");
                }
                var variable = new LambdaVar(lambda.Param, lt.Element);
                if (IsValueName(lambda.Param, ctx))
                    diagnostics.Report(lambda.Span, $"lambda parameter '{lambda.Param}' hides another name; choose a fresh name");
                ctx.Lambdas.Add(variable);
                var predicate = CheckExpr(lambda.Body, ctx);
                ctx.Lambdas.RemoveAt(ctx.Lambdas.Count - 1);
                ExpectType(predicate, VmnType.Bool, "the findFirst predicate");
                return new FindFirst(list, variable, predicate, new OptionType(lt.Element), span);
            }
            case "add" or "remove" or "put":
                return Fail(m.NameSpan, $"'{m.Name}' updates state; it can only be a statement in a rule body, not part of an expression");
            default:
            {
                var target = CheckExpr(m.Target, ctx);
                if (target.Type.IsError) return new ErrorExpr(span);
                return Fail(m.NameSpan, $"unknown method '{m.Name}' on {target.Type}");
            }
        }
    }

    private Expr CheckMember(MemberSyntax m, RuleContext ctx)
    {
        if (m.Target is NameSyntax t && t.Name.Equals("seq", StringComparison.OrdinalIgnoreCase)
            && m.Name.Equals("empty", StringComparison.OrdinalIgnoreCase) && !IsValueName(t.Name, ctx))
            return new PacketSetExpr([], m.Span);
        if (m.Name is "contains" or "add" or "remove" or "put" or "lookup" or "findFirst")
            return Fail(m.NameSpan, $"'{m.Name}' is a method; call it, e.g. x.{m.Name}(...)");
        return MemberOf(CheckExpr(m.Target, ctx), m.Name, m.Span, m.NameSpan);
    }

    private Expr MemberOf(Expr target, string name, SourceSpan span, SourceSpan nameSpan)
    {
        switch (target.Type)
        {
            case PrimitiveType { Kind: PrimitiveKind.Error }:
                return new ErrorExpr(span);
            case OptionType o:
                return name switch
                {
                    "isDefined" or "nonEmpty" => new OptionDefined(target, span),
                    "isEmpty" => new Not(new OptionDefined(target, span), span),
                    "get" => new OptionGet(target, o.Element, span),
                    // A member of an Option means the member of its defined value (listing 5: acl.src._1).
                    _ => MemberOf(new OptionGet(target, o.Element, target.Span), name, span, nameSpan),
                };
            case PrimitiveType { Kind: PrimitiveKind.Packet } when target is PacketExpr packet:
                if (PacketFields.ByName.TryGetValue(name, out var field)) return ReadField(field, packet, span);
                return Fail(nameSpan, $"unknown packet field '{name}'{Suggest(name, PacketFields.ByName.Keys)}");
            case PrimitiveType { Kind: PrimitiveKind.Flow }:
                if (PacketFields.ByName.TryGetValue(name, out var ff) && PacketFields.IsFlowField(ff))
                    return target is FlowOf fo ? ReadField(ff, fo.Packet, span) : new FlowField(target, ff, span);
                return Fail(nameSpan, $"unknown flow field '{name}' (a Flow has src, dst, src_port, dst_port, proto)");
            case TupleType tt:
                if (name.Length > 1 && name[0] == '_' && int.TryParse(name.AsSpan(1), out int k) && k >= 1 && k <= tt.Elements.Count)
                    return target is TupleExpr te ? te.Items[k - 1] : new TupleGet(target, k - 1, tt.Elements[k - 1], span);
                return Fail(nameSpan, $"unknown member '{name}' of {tt}: use _1 .. _{tt.Elements.Count}");
            case RecordType r:
                for (int i = 0; i < r.Fields.Count; i++)
                    if (r.Fields[i].Name == name) return new RecordGet(target, name, i, r.Fields[i].Type, span);
                return Fail(nameSpan, $"case class '{r.Name}' has no field '{name}'{Suggest(name, r.Fields.Select(f => f.Name))}");
            default:
                return Fail(nameSpan, $"{target.Type} has no member '{name}'");
        }
    }
}
