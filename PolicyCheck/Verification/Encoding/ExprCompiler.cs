using Switchboard.PolicyCheck.Language;
using Switchboard.PolicyCheck.Smt;
using static Switchboard.PolicyCheck.Smt.Terms;

namespace Switchboard.PolicyCheck.Verification.Encoding;

/// <summary>
/// Compiles checked model expressions (normal form, Ast.cs) for one unit, one received packet term and one time
/// term: header fields become accessors of the packet, state reads the unit's state functions at that time,
/// oracle calls its uninterpreted functions, and configuration is evaluated at compile time (findFirst over a
/// rule list becomes a chain of conditions).
/// </summary>
internal sealed class ExprCompiler(Vocabulary v, ModelUnit unit, Term packet, Term time)
{
    private readonly Dictionary<LambdaVar, Sym> _lambda = [];

    public Term Bool(Expr e) => v.ToTerm(Compile(e), VmnType.Bool);

    public Term TermOf(Expr e) => v.ToTerm(Compile(e), e.Type);

    /// <summary>The packet a rule forwards: the received one with the rule's header writes.</summary>
    public Term Packet(PacketExpr p)
    {
        if (p.IsReceived) return packet;
        var fields = Enum.GetValues<PacketField>().Select(f => p.Override(f) is { } value ? TermOf(value) : v.Field(packet, f)).ToList();
        return v.PacketOf(fields);
    }

    private Term FieldOf(PacketExpr p, PacketField f) => p.Override(f) is { } value ? TermOf(value) : v.Field(packet, f);

    public Sym Compile(Expr e)
    {
        switch (e)
        {
            case BoolLit b: return new TermSym(b.Value);
            case IntLit i: return new TermSym(Int(i.Value));
            case ParamRef r: return unit.Config[r.Param];
            case LambdaVarRef l: return _lambda[l.Var];
            case FieldRead f: return new TermSym(v.Field(packet, f.Field));
            case PacketExpr p: return new TermSym(Packet(p));
            case FlowOf f:
                return new TermSym(v.FlowOf(FieldOf(f.Packet, PacketField.Src), FieldOf(f.Packet, PacketField.Dst),
                    FieldOf(f.Packet, PacketField.SrcPort), FieldOf(f.Packet, PacketField.DstPort), FieldOf(f.Packet, PacketField.Proto)));
            case FlowField f:
            {
                var flow = v.ToTerm(Compile(f.Flow), VmnType.Flow);
                int index = f.Field switch { PacketField.Src => 0, PacketField.Dst => 1, PacketField.SrcPort => 2, PacketField.DstPort => 3, _ => 4 };
                if (flow is AppTerm { Function: "flow" } app) return new TermSym(app.Args[index]);
                return new TermSym(v.Flow.Field(v.Flow.Constructors[0].Fields[index].Name, flow));
            }
            case TupleExpr t: return new TupleSym(t.Items.Select(Compile).ToList());
            case TupleGet g: return Item(Compile(g.Tuple), g.Tuple.Type, g.Index);
            case RecordGet r: return Item(Compile(r.Record), r.Record.Type, r.Index);
            case OptionGet o: return Compile(o.Option) is OptionSym os ? os.Value : throw Unsupported(e, "get of a non-option");
            case OptionDefined o: return Compile(o.Option) is OptionSym od ? new TermSym(od.Defined) : throw Unsupported(e, "isDefined of a non-option");
            case OracleCall c:
            {
                var f = unit.Oracles[c.Oracle];
                return new TermSym(f.Apply(c.Args.Select((a, i) => v.ToTerm(Compile(a), c.Oracle.ParameterTypes[i])).ToArray()));
            }
            case Contains c: return new TermSym(Contains(c));
            case Lookup l: return Lookup(l);
            case FindFirst f: return FindFirst(f);
            case Not n: return new TermSym(Terms.Not(Bool(n.Operand)));
            case Binary b: return new TermSym(Binary(b));
            default: throw Unsupported(e, e.GetType().Name);
        }
    }

    private Sym Item(Sym value, VmnType type, int index)
    {
        if (value is OptionSym o) return Item(o.Value, type is OptionType ot ? ot.Element : type, index);
        if (value is TupleSym t) return t.Items[index];
        if (value is TermSym term) return new TermSym(v.TupleField(term.Term, type is OptionType ot2 ? ot2.Element : type, index));
        throw new EncodingException($"{unit.Prefix}: cannot take element {index + 1} of {value}");
    }

    private Term Contains(Contains c)
    {
        if (c.Collection is StateRef s)
        {
            var fns = unit.State[s.State];
            var key = v.CanonicalOf(v.ToTerm(Compile(c.Element), fns.KeyType), fns.KeyType);
            return fns.Member.Apply(key, time);
        }
        var collection = Compile(c.Collection);
        if (collection is not CollectionSym coll) throw Unsupported(c, "membership in a non-collection");
        var element = Compile(c.Element);
        var elementType = c.Collection.Type switch
        {
            SetType st => st.Element,
            ListType lt => lt.Element,
            MapType mt => mt.Key,
            _ => c.Element.Type,
        };
        bool isMap = c.Collection.Type is MapType;
        var member = Or(coll.Items.Select(item => v.Equal(isMap ? ((TupleSym)item).Items[0] : item, element, elementType)).ToList());
        return coll.Complement ? Terms.Not(member) : member;
    }

    private Sym Lookup(Lookup l)
    {
        if (l.Collection is StateRef s)
        {
            var fns = unit.State[s.State];
            var key = v.CanonicalOf(v.ToTerm(Compile(l.Key), fns.KeyType), fns.KeyType);
            return new TermSym(fns.Value!.Apply(key, time));
        }
        if (Compile(l.Collection) is not CollectionSym coll || coll.Items.Count == 0)
            throw Unsupported(l, "lookup in an empty or non-collection configuration value");
        var key2 = Compile(l.Key);
        // Absent keys (or out-of-range indices) are unconstrained by the language: the last entry stands for them.
        if (l.Collection.Type is MapType mt)
        {
            Sym result = ((TupleSym)coll.Items[^1]).Items[1];
            for (int i = coll.Items.Count - 2; i >= 0; i--)
            {
                var pair = (TupleSym)coll.Items[i];
                result = v.Merge(v.Equal(pair.Items[0], key2, mt.Key), pair.Items[1], result, mt.Value);
            }
            return result;
        }
        var index = v.ToTerm(key2, VmnType.Int);
        Sym r = coll.Items[^1];
        for (int i = coll.Items.Count - 2; i >= 0; i--) r = v.Merge(Eq(index, Int(i)), coll.Items[i], r, l.Type);
        return r;
    }

    private Sym FindFirst(FindFirst f)
    {
        if (Compile(f.List) is not CollectionSym coll) throw Unsupported(f, "findFirst over a non-list");
        var elementType = ((OptionType)f.Type).Element;
        Sym result = new OptionSym(False, coll.Items.Count > 0 ? coll.Items[^1] : new TermSym(False));
        for (int i = coll.Items.Count - 1; i >= 0; i--)
        {
            _lambda[f.Var] = coll.Items[i];
            var matches = Bool(f.Predicate);
            _lambda.Remove(f.Var);
            result = v.Merge(matches, new OptionSym(True, coll.Items[i]), result, f.Type);
        }
        _ = elementType;
        return result;
    }

    private Term Binary(Binary b)
    {
        switch (b.Op)
        {
            // Decided at compile time when the left side is (a rule whose range holds no slice address): the right side
            // is not compiled at all, so long rule lists cost one comparison per rule.
            case BinaryOp.And: { var l = Bool(b.Left); return ReferenceEquals(l, False) ? False : And(l, Bool(b.Right)); }
            case BinaryOp.Or: { var l = Bool(b.Left); return ReferenceEquals(l, True) ? True : Or(l, Bool(b.Right)); }
            case BinaryOp.Eq or BinaryOp.NotEq:
            {
                var type = b.Left.Type is OptionType ? b.Right.Type : b.Left.Type;
                var eq = v.Equal(Compile(b.Left), Compile(b.Right), type);
                return b.Op == BinaryOp.Eq ? eq : Terms.Not(eq);
            }
        }
        var lt = b.Left.Type is OptionType o ? o.Element : b.Left.Type;
        var ls = Compile(b.Left);
        var rs = Compile(b.Right);
        // An address compared with a configured bound: decide it per address of the slice (usually a few), so rules
        // whose ranges hold no slice address vanish at compile time.
        if (lt.Equals(VmnType.Address) && v.CompareWithBound(ls, rs, b.Op) is { } decided) return decided;
        var left = v.Ordinal(ls, lt);
        var right = v.Ordinal(rs, lt);
        return b.Op switch
        {
            BinaryOp.Less => Lt(left, right),
            BinaryOp.LessEq => Le(left, right),
            BinaryOp.Greater => Gt(left, right),
            _ => Ge(left, right),
        };
    }

    private EncodingException Unsupported(Expr e, string what) =>
        new($"{unit.Prefix} ({unit.Model.Name}, {e.Span}): cannot encode {what}");
}
